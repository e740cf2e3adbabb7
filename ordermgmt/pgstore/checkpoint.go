package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// schema is the tables this package creates, one version per entry:
// Migrate applies those a database does not have yet, in order.
var schema = []string{
	// 1: the poller's watermark, per store.
	`CREATE TABLE dinterowoo_checkpoints (
		store      text        NOT NULL,
		name       text        NOT NULL,
		until      timestamptz NOT NULL,
		updated_at timestamptz NOT NULL DEFAULT now(),
		PRIMARY KEY (store, name)
	)`,
}

// Migrate creates or updates the tables this package uses, in the
// connection's current schema: dinterowoo_schema (the version applied),
// dinterowoo_checkpoints, and River's tables for Jobs, through River's own
// migrations (river_migration records which ran; README lists what River
// v0.51.2 creates). It is safe to run from every replica at start:
// migrations run one at a time (under an advisory lock of class LockClass,
// key 0) and each only once. Ours only add tables and columns, so a
// replica of an older version runs on a newer schema (a rolling deploy, a
// rollback); River's may change or drop River's own tables, so replicas
// built with different River versions should not run side by side. The
// role needs CREATE on the schema when there is something to migrate, and
// always SELECT, INSERT, UPDATE and DELETE on the tables (River deletes
// expired leaders and old jobs) and USAGE and SELECT on their sequences.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	migrator, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return fmt.Errorf("pgstore: migrating: %w", err)
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("pgstore: migrating: %w", err)
	}
	defer conn.Release()
	// A session lock, not a transaction's: River applies each of its
	// versions in a transaction of its own (one adds an enum value that
	// the next uses, which one transaction cannot do).
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1, 0)", LockClass); err != nil {
		return fmt.Errorf("pgstore: migrating: %w", err)
	}
	defer func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if _, err := conn.Exec(uctx, "SELECT pg_advisory_unlock($1, 0)", LockClass); err != nil {
			conn.Conn().Close(uctx) // the lock ends with the session
		}
	}()
	if err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error { return migrateOwn(ctx, tx) }); err != nil {
		return err
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("pgstore: migrating River's tables: %w", err)
	}
	return nil
}

// migrateOwn applies this package's schema versions a database lacks.
func migrateOwn(ctx context.Context, tx pgx.Tx) error {
	// A database already at this version (or newer: migrations only
	// add, so an older program still works with it) needs no DDL,
	// and so no CREATE privilege.
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT to_regclass('dinterowoo_schema') IS NOT NULL`).Scan(&exists); err != nil {
		return fmt.Errorf("pgstore: migrating: %w", err)
	}
	if exists {
		var current *int
		if err := tx.QueryRow(ctx, `SELECT max(version) FROM dinterowoo_schema`).Scan(&current); err != nil {
			return fmt.Errorf("pgstore: migrating: %w", err)
		}
		if current != nil && *current >= len(schema) {
			return nil
		}
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS dinterowoo_schema (version int NOT NULL)`); err != nil {
		return fmt.Errorf("pgstore: migrating: %w", err)
	}
	var version int
	err := tx.QueryRow(ctx, "SELECT version FROM dinterowoo_schema").Scan(&version)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		if _, err := tx.Exec(ctx, "INSERT INTO dinterowoo_schema (version) VALUES (0)"); err != nil {
			return err
		}
	case err != nil:
		return fmt.Errorf("pgstore: migrating: %w", err)
	}
	for v := version; v < len(schema); v++ {
		if _, err := tx.Exec(ctx, schema[v]); err != nil {
			return fmt.Errorf("pgstore: migrating to version %d: %w", v+1, err)
		}
	}
	_, err = tx.Exec(ctx, "UPDATE dinterowoo_schema SET version = $1", len(schema))
	return err
}

// Checkpoint is an ordermgmt.Checkpoint in PostgreSQL: the poller's
// watermark for one store, shared by its replicas. Run Migrate first.
type Checkpoint struct {
	pool        *pgxpool.Pool
	store, name string
}

// NewCheckpoint returns the checkpoint of the store's poller.
func NewCheckpoint(pool *pgxpool.Pool, store string) (*Checkpoint, error) {
	if pool == nil {
		return nil, errors.New("pgstore: nil pool")
	}
	return &Checkpoint{pool: pool, store: store, name: "poller"}, nil
}

// Load implements ordermgmt.Checkpoint.
func (c *Checkpoint) Load(ctx context.Context) (time.Time, bool, error) {
	var t time.Time
	err := c.pool.QueryRow(ctx, "SELECT until FROM dinterowoo_checkpoints WHERE store = $1 AND name = $2", c.store, c.name).Scan(&t)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("pgstore: loading the %s checkpoint of %q: %w", c.name, c.store, err)
	}
	return t, true, nil
}

// Save implements ordermgmt.Checkpoint. The stored watermark never moves
// back: a poller that lost its turn and saves late cannot undo a newer
// one's progress (moving back would only read again, moving forward past
// unread orders would lose them; neither happens).
func (c *Checkpoint) Save(ctx context.Context, until time.Time) error {
	_, err := c.pool.Exec(ctx, `INSERT INTO dinterowoo_checkpoints (store, name, until) VALUES ($1, $2, $3)
		ON CONFLICT (store, name) DO UPDATE SET until = GREATEST(dinterowoo_checkpoints.until, EXCLUDED.until), updated_at = now()`,
		c.store, c.name, until)
	if err != nil {
		return fmt.Errorf("pgstore: saving the %s checkpoint of %q: %w", c.name, c.store, err)
	}
	return nil
}
