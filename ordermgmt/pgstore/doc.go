// Package pgstore runs ordermgmt on PostgreSQL, for a service that runs
// several replicas: a Locker on advisory locks that every replica shares,
// and that tells its holder when it is lost.
//
//	cfg, _ := pgxpool.ParseConfig(os.Getenv("DATABASE_URL"))
//	cfg.MaxConns = 16 + 4 // a connection per order worked on, and some to spare
//	pool, _ := pgxpool.NewWithConfig(ctx, cfg)
//	locker, _ := pgstore.NewLocker(pool, pgstore.WithStore("shop-1"))
//	engine, _ := ordermgmt.New(wc, dc, ordermgmt.WithLocker(locker), ordermgmt.WithMaxConcurrent(16))
//
// It needs PostgreSQL 12 or newer (the tests' throwaway databases need 13),
// a role that can connect, and a direct connection or session pooling;
// advisory locks need no table and no privilege. See Locker for the key scheme and
// for why money stays safe if two holders ever overlap.
package pgstore
