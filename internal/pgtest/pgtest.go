// Package pgtest gives tests a throwaway PostgreSQL: a cluster made with
// initdb in a temporary directory, listening on a free loopback port, one
// fresh database per test, stopped when the tests end: a package that uses
// it runs its tests through Main. Set DINTEROWOO_TEST_DATABASE_URL to use a
// server of your own instead (each test then gets a database created on it).
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// Without PostgreSQL a test skips with how to get it (Debian:
// apt-get install -y postgresql); under CI=true it fails instead. A
// cluster listens on a Unix socket only, in a 0700 directory. Clusters
// left by a test process that died (a panic, a -timeout) are removed by
// the next run. The databases are dropped WITH (FORCE): PostgreSQL 13 or
// newer.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the variable that points tests at an existing server.
const EnvURL = "DINTEROWOO_TEST_DATABASE_URL"

var (
	mu       sync.Mutex
	cluster  *server
	startErr error // a failed start is not tried again by every test
)

// Main runs the tests and then stops the cluster, if one was started. It
// says on stderr when tests were skipped for want of PostgreSQL, which a
// plain go test would not show.
func Main(m *testing.M) {
	code := m.Run()
	mu.Lock()
	if cluster != nil {
		cluster.stop()
		cluster = nil
	}
	if errors.Is(startErr, errNoPostgres) {
		fmt.Fprintf(os.Stderr, "pgtest: PostgreSQL tests skipped: %v\n", startErr)
	}
	mu.Unlock()
	os.Exit(code)
}

// server is a running cluster: its admin URL and how to stop it.
type server struct {
	adminURL string
	stop     func()
}

// DSN returns the URL of a new, empty database for t, on the throwaway
// cluster (started on first use) or on the server EnvURL names. The
// database is dropped when t ends.
func DSN(t testing.TB) string {
	t.Helper()
	srv := acquire(t)
	name := "t_" + randomHex(6)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, srv.adminURL)
	if err != nil {
		t.Fatalf("pgtest: connecting to the cluster: %v", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, srv.adminURL); err == nil {
			c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(ctx)
		}
	})
	u, _ := url.Parse(srv.adminURL)
	u.Path = "/" + name
	return u.String()
}

func acquire(t testing.TB) *server {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if cluster == nil && startErr == nil {
		cluster, startErr = start()
	}
	if startErr != nil {
		if errors.Is(startErr, errNoPostgres) && os.Getenv("CI") != "true" {
			t.Skipf("pgtest: %v", startErr)
		}
		t.Fatalf("pgtest: %v", startErr)
	}
	return cluster
}

var errNoPostgres = errors.New("PostgreSQL is not installed (Debian: apt-get install -y postgresql; or set " + EnvURL + ")")

func start() (*server, error) {
	if u := os.Getenv(EnvURL); u != "" {
		return &server{adminURL: u, stop: func() {}}, nil
	}
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	cleanStale()
	dir, err := os.MkdirTemp("", fmt.Sprintf("dinterowoo-pg-%d-", os.Getpid()))
	if err != nil {
		return nil, err
	}
	srv, err := startIn(dir, bin)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return srv, nil
}

// runner runs a PostgreSQL program, as the postgres user when this process
// is root (initdb refuses root).
func runner(bin string) (func(name string, args ...string) error, error) {
	var asUser []string
	if os.Geteuid() == 0 {
		if _, err := user.Lookup("postgres"); err != nil {
			return nil, fmt.Errorf("running as root and there is no postgres user to own the cluster: %w", err)
		}
		asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	return func(name string, args ...string) error {
		cmd := append(append([]string{}, asUser...), filepath.Join(bin, name))
		cmd = append(cmd, args...)
		out, err := exec.Command(cmd[0], cmd[1:]...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(string(out)))
		}
		return nil
	}, nil
}

// cleanStale stops and removes the clusters of test processes that died
// without stopping theirs (a panic, a -timeout, Ctrl-C).
func cleanStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "dinterowoo-pg-*"))
	for _, d := range dirs {
		parts := strings.Split(filepath.Base(d), "-")
		if len(parts) < 4 {
			continue
		}
		pid, err := strconv.Atoi(parts[2])
		if err != nil || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		if bin, err := findBin(); err == nil {
			if run, err := runner(bin); err == nil {
				run("pg_ctl", "-D", filepath.Join(d, "data"), "-m", "immediate", "-w", "stop")
			}
		}
		os.RemoveAll(d)
	}
}

func processAlive(pid int) bool {
	_, err := os.Stat(fmt.Sprintf("/proc/%d", pid))
	return err == nil
}

func startIn(dir, bin string) (*server, error) {
	data, sock := filepath.Join(dir, "data"), filepath.Join(dir, "sock")
	if err := os.Mkdir(sock, 0o700); err != nil {
		return nil, err
	}
	run, err := runner(bin)
	if err != nil {
		return nil, err
	}
	if os.Geteuid() == 0 {
		// The cluster belongs to the postgres user; its socket directory
		// stays 0700, so only it (and root) can connect.
		pg, _ := user.Lookup("postgres")
		uid, _ := strconv.Atoi(pg.Uid)
		gid, _ := strconv.Atoi(pg.Gid)
		for _, p := range []string{dir, sock} {
			if err := os.Chown(p, uid, gid); err != nil {
				return nil, err
			}
		}
	}
	if err := run("initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"); err != nil {
		return nil, fmt.Errorf("%w (is %s readable by the cluster's owner? set TMPDIR)", err, dir)
	}
	// No TCP at all: trust authentication is then only for who can open
	// the 0700 socket directory. The port only names the socket file.
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200", port, sock)
	if err := run("pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start"); err != nil {
		return nil, err
	}
	stop := func() {
		run("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
		os.RemoveAll(dir)
	}
	q := url.Values{"host": {sock}, "port": {strconv.Itoa(port)}, "sslmode": {"disable"}}
	return &server{adminURL: "postgres://postgres@/postgres?" + q.Encode(), stop: stop}, nil
}

// findBin finds PostgreSQL's server programs: on PATH, else in Debian's
// /usr/lib/postgresql/<version>/bin (the newest).
func findBin() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi > vj
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", errNoPostgres
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
