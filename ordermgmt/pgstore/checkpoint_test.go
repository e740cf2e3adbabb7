package pgstore_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero/dinterotest"
	"github.com/dinterowoo/dinterowoo/internal/pgtest"
	"github.com/dinterowoo/dinterowoo/ordermgmt"
	"github.com/dinterowoo/dinterowoo/ordermgmt/pgstore"
)

var _ ordermgmt.Checkpoint = (*pgstore.Checkpoint)(nil)

// TestMigrateIsIdempotentAndConcurrent: replicas starting together all
// migrate; the tables exist once.
func TestMigrateIsIdempotentAndConcurrent(t *testing.T) {
	pool := newPool(t, pgtest.DSN(t))
	var wg sync.WaitGroup
	errs := make(chan error, 5)
	for range 5 {
		wg.Add(1)
		go func() { defer wg.Done(); errs <- pgstore.Migrate(context.Background(), pool) }()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var version int
	if err := pool.QueryRow(context.Background(), "SELECT version FROM dinterowoo_schema").Scan(&version); err != nil || version != 1 {
		t.Fatalf("schema version %d, %v", version, err)
	}
}

// TestCheckpointPerStoreAndNeverBack: two stores keep their own
// watermark, and a late save of an older one does not move it back.
func TestCheckpointPerStoreAndNeverBack(t *testing.T) {
	pool := newPool(t, pgtest.DSN(t))
	ctx := context.Background()
	if err := pgstore.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	a, _ := pgstore.NewCheckpoint(pool, "shop-a")
	b, _ := pgstore.NewCheckpoint(pool, "shop-b")
	if _, ok, err := a.Load(ctx); ok || err != nil {
		t.Fatalf("fresh: %v %v", ok, err)
	}
	t1 := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	t2 := t1.Add(time.Hour)
	a.Save(ctx, t2)
	a.Save(ctx, t1) // a late poller
	b.Save(ctx, t1)
	if got, ok, err := a.Load(ctx); !ok || err != nil || !got.Equal(t2) {
		t.Errorf("store a: %s %v %v, want %s", got, ok, err, t2)
	}
	if got, _, _ := b.Load(ctx); !got.Equal(t1) {
		t.Errorf("store b: %s, want %s", got, t1)
	}
}

// TestMigrateWithoutCreate: once migrated, a role with only the privileges
// README lists (no CREATE) starts, keeps the checkpoint and runs jobs
// (found by review).
func TestMigrateWithoutCreate(t *testing.T) {
	dsn := pgtest.DSN(t)
	admin := newPool(t, dsn)
	ctx := context.Background()
	if err := pgstore.Migrate(ctx, admin); err != nil {
		t.Fatal(err)
	}
	// Roles belong to the cluster, which other tests (and with
	// DINTEROWOO_TEST_DATABASE_URL, other people) share: a name of its own.
	role := "app_" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "_")) + "_" + strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	t.Cleanup(func() {
		admin.Exec(context.Background(), "DROP OWNED BY "+role)
		admin.Exec(context.Background(), "DROP ROLE IF EXISTS "+role)
	})
	for _, q := range []string{
		"CREATE ROLE " + role + " LOGIN PASSWORD 'app-password'",
		"REVOKE CREATE ON SCHEMA public FROM PUBLIC",
		"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO " + role,
		"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO " + role,
	} {
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(role, "app-password")
	app := newPool(t, u.String())
	if err := pgstore.Migrate(ctx, app); err != nil {
		t.Fatalf("a migrated database, a role without CREATE: %v", err)
	}
	cp, _ := pgstore.NewCheckpoint(app, "shop")
	if err := cp.Save(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	jobs := fastJobs(t, app)
	s := newShop(t, "shop", app, jobs)
	startJobs(t, jobs)
	o, tx := s.order(t, dinterotest.Authorized)
	eventually(t, "the role's jobs link the order", func() bool {
		got, _ := s.store.Order(o.ID)
		return got.TransactionID == tx.ID
	}, func() string { return jobRows(t, admin) })
}
