package pool

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
)

// ClusterConfig describes a primary and its read replicas: one [Config] each, so
// every server gets its own pool, limits and timeouts.
type ClusterConfig struct {
	// Primary is the server that takes writes and transactions. Its ConnString may
	// name several hosts with target_session_attrs=read-write (for failover: pgx tries
	// them in order and keeps the one that accepts writes).
	Primary Config
	// Replicas are hot standbys that serve reads. Set LazyConnect on a replica's
	// Config to let NewCluster succeed while that replica is down.
	Replicas []Config
}

// Cluster is the pools of a [ClusterConfig]: plain *pgxpool.Pool values, each with
// batchorm's statement counter. orm.OpenCluster routes over them.
type Cluster struct {
	Primary  *pgxpool.Pool
	Replicas []*pgxpool.Pool
}

// NewCluster builds a pool per server with [New] (each warmed up unless its Config
// says LazyConnect). On any error the pools already built are closed and the error
// names the server: "pool: replica 2: ...".
func NewCluster(ctx context.Context, cfg ClusterConfig) (*Cluster, error) {
	p, err := New(ctx, cfg.Primary)
	if err != nil {
		return nil, &memberError{member: "primary", err: err}
	}
	c := &Cluster{Primary: p}
	for i, rc := range cfg.Replicas {
		r, err := New(ctx, rc)
		if err != nil {
			c.Close()
			return nil, &memberError{member: fmt.Sprintf("replica %d", i+1), err: err}
		}
		c.Replicas = append(c.Replicas, r)
	}
	return c, nil
}

// Close closes every pool of c.
func (c *Cluster) Close() {
	c.Primary.Close()
	for _, r := range c.Replicas {
		r.Close()
	}
}

// memberError names the server of a cluster whose pool failed, with one "pool: "
// prefix.
type memberError struct {
	member string
	err    error
}

func (e *memberError) Error() string {
	return "pool: " + e.member + ": " + strings.TrimPrefix(e.err.Error(), "pool: ")
}

func (e *memberError) Unwrap() error { return e.err }
