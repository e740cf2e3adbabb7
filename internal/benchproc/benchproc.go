//go:build unix

// Package benchproc runs a benchmark's servers in a process of their own
// (pinned to CPU 1 when taskset is there), so that the benchmark's own
// process counts only its own CPU: the test binary runs one of its tests
// as the child, which says where it serves on one JSON line and serves
// until its input closes.
package benchproc

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Serve is the child's side: it writes v as one JSON line and blocks
// until the parent stops it.
func Serve(v any) {
	line, _ := json.Marshal(v)
	os.Stdout.Write(append(line, '\n'))
	io.Copy(io.Discard, os.Stdin)
}

// Start runs the test named test of this test binary in a child process
// with env added (and GOMAXPROCS=1), on CPU 1 under taskset, decodes the
// line it serves into v, and returns how to stop it.
func Start(tb testing.TB, test string, env []string, v any) (stop func()) {
	tb.Helper()
	args := []string{os.Args[0], "-test.run=^" + test + "$", "-test.count=1"}
	if path, err := exec.LookPath("taskset"); err == nil {
		args = append([]string{path, "-c", "1"}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(append(os.Environ(), env...), "GOMAXPROCS=1")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	stop = func() {
		stdin.Close()
		cmd.Wait()
	}
	for sc := bufio.NewScanner(stdout); sc.Scan(); {
		if line := sc.Text(); strings.HasPrefix(line, "{") {
			if err := json.Unmarshal([]byte(line), v); err != nil {
				stop()
				tb.Fatal(err)
			}
			return stop
		}
	}
	stop()
	tb.Fatalf("%s did not say where it serves", test)
	return nil
}

// CPUTime is the CPU this process has used, user and system.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
