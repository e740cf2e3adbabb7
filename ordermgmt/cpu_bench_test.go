//go:build unix

package ordermgmt_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/dintero/dinterotest"
	"github.com/dinterowoo/dinterowoo/ordermgmt"
	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/dinterowoo/dinterowoo/woocommerce/wctest"
)

// benchServers is what TestBenchServers tells BenchmarkEngineCPU.
type benchServers struct {
	Store, Dintero, Account string
	Since                   time.Time
	Orders                  int
}

// TestBenchServers is not a test of its own: BenchmarkEngineCPU runs the
// test binary with it, so that the store and Dintero serve from another
// process (on another CPU, under taskset) and the engine's process counts
// only the engine's CPU. It seeds the orders, paid and linked, completes
// them, says where it serves, and serves until its input closes.
func TestBenchServers(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("DINTEROWOO_BENCH_SERVERS"))
	if n <= 0 {
		t.Skip("run by BenchmarkEngineCPU")
	}
	store := wctest.NewServer()
	defer store.Close()
	dt := dinterotest.NewServer()
	defer dt.Close()
	wc, _ := store.Client()
	dc, _ := dt.Client()
	ids := seedPaid(t, store, dt, wc, dc, n)
	time.Sleep(1100 * time.Millisecond) // modified_after has one-second precision
	since := time.Now()
	time.Sleep(1100 * time.Millisecond)
	for _, id := range ids {
		store.SetStatus(id, woocommerce.StatusCompleted)
	}
	line, _ := json.Marshal(benchServers{Store: store.URL, Dintero: dt.URL, Account: dt.AccountID(), Since: since, Orders: n})
	os.Stdout.Write(append(line, '\n'))
	io.Copy(io.Discard, os.Stdin)
}

// cpuTime is the CPU this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkEngineCPU: the engine's own CPU per captured order in a bulk
// reconcile (a poll of orders completed at once, 64 at a time), with the
// store and Dintero in another process; under taskset that process runs on
// CPU 1, and the command pins the engine to CPU 0:
//
//	taskset -c 0 go test ./ordermgmt -run '^$' -bench EngineCPU -benchtime 3x
func BenchmarkEngineCPU(b *testing.B) {
	n := 2000
	if testing.Short() {
		n = 200
	}
	for b.Loop() {
		b.StopTimer()
		args := []string{os.Args[0], "-test.run=^TestBenchServers$", "-test.count=1"}
		if path, err := exec.LookPath("taskset"); err == nil {
			args = append([]string{path, "-c", "1"}, args...)
		}
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = append(os.Environ(), "DINTEROWOO_BENCH_SERVERS="+strconv.Itoa(n), "GOMAXPROCS=1")
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		var srv benchServers
		for sc := bufio.NewScanner(stdout); sc.Scan(); {
			if line := sc.Text(); strings.HasPrefix(line, "{") {
				if err := json.Unmarshal([]byte(line), &srv); err != nil {
					b.Fatal(err)
				}
				break
			}
		}
		if srv.Orders != n {
			b.Fatal("the servers' process did not start")
		}
		wc, _ := woocommerce.New(srv.Store, wctest.DefaultKey, wctest.DefaultSecret, woocommerce.WithAuth(woocommerce.AuthBasic))
		dc, _ := dintero.New(srv.Account, dinterotest.DefaultClientID, dinterotest.DefaultClientSecret,
			dintero.WithCheckoutURL(srv.Dintero), dintero.WithAPIURL(srv.Dintero))
		engine, _ := ordermgmt.New(wc, dc)
		ctx := context.Background()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		cpu0 := cpuTime()
		b.StartTimer()
		res, err := engine.Poll(ctx, srv.Since, 64)
		b.StopTimer()
		cpu := cpuTime() - cpu0
		runtime.ReadMemStats(&m1)
		if err != nil || res.Checked != n || len(res.Failed) != 0 {
			b.Fatalf("poll: checked %d of %d, %d failed, %v", res.Checked, n, len(res.Failed), err)
		}
		some, _, err := wc.Orders.List(ctx, &woocommerce.OrderListOptions{PerPage: 10})
		if err != nil || len(some) == 0 {
			b.Fatal(err)
		}
		for _, o := range some {
			if tx, _, err := dc.Transactions.Get(ctx, o.TransactionID, nil); err != nil || tx.Status != dintero.StatusCaptured {
				b.Fatalf("order %d not captured: %v %v", o.ID, tx, err)
			}
		}
		stdin.Close()
		cmd.Wait()
		b.ReportMetric(float64(cpu.Microseconds())/float64(n), "engine-µs/order")
		b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/float64(n), "allocs/order")
		b.ReportMetric(float64(m1.TotalAlloc-m0.TotalAlloc)/float64(n), "B/order")
		b.StartTimer()
	}
}
