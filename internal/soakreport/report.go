// Package soakreport carries the summary line of a soak test out of
// `go test`, which shows a passing package's output only with -v: the
// line is printed, and appended to the file SOAK_SUMMARY_FILE names, which
// .ci/run prints after the tests.
package soakreport

import (
	"errors"
	"fmt"
	"os"
)

// Line prints the summary and appends it to $SOAK_SUMMARY_FILE, if set.
// A file that cannot be written is reported on stderr, not as a failure:
// the summary is for people, the test's assertions are the verdict.
func Line(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	fmt.Println(line)
	path := os.Getenv("SOAK_SUMMARY_FILE")
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err == nil {
		_, err = fmt.Fprintln(f, line)
		err = errors.Join(err, f.Close())
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "soakreport: %v\n", err)
	}
}
