// Package replicatest holds the tests of replica routing, read-your-writes and
// failover (orm.WithReplicas, orm.OpenCluster, pool.NewCluster), run against a
// throwaway primary and streaming replicas that its TestMain starts with
// internal/pgserver and removes. It has no non-test code.
package replicatest
