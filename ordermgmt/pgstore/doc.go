// Package pgstore runs ordermgmt on PostgreSQL, for a service that runs
// several replicas: a Locker on advisory locks that every replica shares,
// and that tells its holder when it is lost; Jobs, a durable queue of
// "reconcile order N" jobs on River; and the poller's Checkpoint.
//
//	cfg, _ := pgxpool.ParseConfig(os.Getenv("DATABASE_URL"))
//	cfg.MaxConns = 16 + 8 // a connection per job worker, and some for River
//	pool, _ := pgxpool.NewWithConfig(ctx, cfg)
//	if err := pgstore.Migrate(ctx, pool); err != nil { … }
//	locker, _ := pgstore.NewLocker(pool, pgstore.WithStore("shop-1"))
//	jobs, _ := pgstore.NewJobs(pool, pgstore.JobsConfig{Workers: 16})
//	engine, _ := ordermgmt.New(wc, dc, ordermgmt.WithLocker(locker), ordermgmt.WithQueue(jobs.Queue("shop-1")))
//	jobs.Handle("shop-1", engine)
//	jobs.Start(ctx)
//	checkpoint, _ := pgstore.NewCheckpoint(pool, "shop-1")
//	go ordermgmt.Lead(ctx, locker, "poller", func(ctx context.Context) {
//		engine.RunPollerWith(ctx, ordermgmt.PollerConfig{Since: time.Now().Add(-24 * time.Hour), Checkpoint: checkpoint})
//	}, logErr)
//
// It needs PostgreSQL 14 or newer (River supports 14 to 18),
// a role that can connect, and a direct connection or session pooling.
// Advisory locks need no table and no privilege; Migrate lists the tables
// it creates. See Locker for the key scheme and for why money stays safe if
// two holders ever overlap, and Jobs for how jobs are merged and retried.
package pgstore
