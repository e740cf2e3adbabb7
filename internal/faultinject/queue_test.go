package faultinject

import "testing"

func TestQueue(t *testing.T) {
	var q Queue[string, int]
	q.Inject("a", 1, 2)
	q.Inject("a", 2, 0)
	var got []int
	for range 4 {
		f, ok := q.Take("a")
		if !ok {
			t.Fatal("no fault")
		}
		got = append(got, f)
	}
	if got[0] != 1 || got[1] != 1 || got[2] != 2 || got[3] != 2 {
		t.Errorf("faults in order %v", got)
	}
	if _, ok := q.Take("b"); ok {
		t.Error("fault on a clean route")
	}
	if q.Requests("a") != 4 || q.Requests("b") != 1 {
		t.Errorf("requests %d %d", q.Requests("a"), q.Requests("b"))
	}
	q.Clear()
	if _, ok := q.Take("a"); ok {
		t.Error("fault after Clear")
	}
}

func TestChooser(t *testing.T) {
	var q Queue[string, int]
	q.SetChooser(func(r string) (int, bool) { return 7, r == "x" })
	q.Inject("x", 1, 1)
	if f, _ := q.Take("x"); f != 1 {
		t.Errorf("queued fault first: %d", f)
	}
	if f, ok := q.Take("x"); !ok || f != 7 {
		t.Errorf("chosen fault: %d %v", f, ok)
	}
	if _, ok := q.Take("y"); ok {
		t.Error("chooser said no")
	}
	q.SetChooser(nil)
	if _, ok := q.Take("x"); ok {
		t.Error("chooser removed")
	}
}
