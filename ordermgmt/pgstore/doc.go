// Package pgstore runs ordermgmt on PostgreSQL, for a service that runs
// several replicas: a Locker on advisory locks that every replica shares,
// and that tells its holder when it is lost.
//
//	pool, _ := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
//	locker, _ := pgstore.NewLocker(pool, pgstore.WithStore("shop-1"))
//	engine, _ := ordermgmt.New(wc, dc, ordermgmt.WithLocker(locker), ordermgmt.WithMaxConcurrent(16))
//
// It needs PostgreSQL 12 or newer and a role that can connect; advisory
// locks need no table and no privilege. See Locker for the key scheme and
// for why money stays safe if two holders ever overlap.
package pgstore
