package transport

import (
	"bytes"
	"errors"
	"io"
	"math"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
)

// TestReadBodyKeepsEachBodyItsOwn: whatever its size, declared or not, a
// body comes back whole and in a slice no later call writes into, also
// with 32 calls at once; a body over the limit is refused.
func TestReadBodyKeepsEachBodyItsOwn(t *testing.T) {
	c := New(Config{MaxResponseBytes: 3 << 20})
	sizes := []int{0, 1, 511, 512, 4096, maxPooledBuffer - 1, maxPooledBuffer, maxPooledBuffer + 1, 2 << 20, 3 << 20, 3<<20 + 1, 5 << 20}
	body := func(i, n int) []byte { return bytes.Repeat([]byte{byte('a' + i%26)}, n) }
	var wg sync.WaitGroup
	for round := range 4 {
		for i, n := range sizes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				want := body(i+round, n)
				declared := int64(-1)
				if (i+round)%2 == 0 {
					declared = int64(n)
				}
				got, err := c.readBody(iotest.HalfReader(bytes.NewReader(want)), declared)
				if n > int(c.maxBody) {
					// Refused, or read one byte past the limit for Do to
					// refuse.
					if !errors.Is(err, errTooLarge) && (err != nil || len(got) != int(c.maxBody)+1) {
						t.Errorf("%d bytes over a %d limit: %d read, %v", n, c.maxBody, len(got), err)
					}
					return
				}
				if err != nil {
					t.Errorf("%d bytes: %v", n, err)
					return
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%d bytes (declared %d): got %d bytes, not the body", n, declared, len(got))
				}
				snapshot := bytes.Clone(got)
				c.readBody(strings.NewReader(strings.Repeat("Z", n+1)), -1)
				if !bytes.Equal(got, snapshot) {
					t.Errorf("%d bytes: a later call wrote into this body", n)
				}
			}()
		}
	}
	wg.Wait()
	if _, err := c.readBody(iotest.ErrReader(io.ErrUnexpectedEOF), -1); err != io.ErrUnexpectedEOF {
		t.Errorf("a failed read: %v", err)
	}
}

// TestReadBodyDoesNotTrustTheDeclaredLength: a hostile store declaring a
// huge Content-Length (up to what net/http accepts) and sending two bytes
// gets no allocation of what it declared, and no panic (a review crashed
// the client with 2^63-1 and ran it out of memory with 1 TiB).
func TestReadBodyDoesNotTrustTheDeclaredLength(t *testing.T) {
	c := New(Config{})
	for _, declared := range []int64{math.MaxInt64, 1 << 40, c.maxBody + 1, c.maxBody, maxPooledBuffer + 1, 2} {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		got, err := c.readBody(strings.NewReader("{}"), declared)
		runtime.ReadMemStats(&after)
		if err != nil || string(got) != "{}" {
			t.Errorf("declared %d: %q %v", declared, got, err)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 2*maxPooledBuffer+64<<10 {
			t.Errorf("declared %d, sent 2 bytes: %d bytes allocated", declared, grew)
		}
	}
}
