package loader

import (
	"github.com/batchorm/batchorm/internal/join"
	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/preload"
)

// Test-only hooks: the SQL-shape tests, the EXPLAIN tests and the benchmarks look at
// the engines behind Preload and orm's Join, which are internal.

// Statement is the SQL of one preload edge.
type Statement = preload.Statement

// Plan is a preload plan.
type Plan = preload.Plan

// NewPlan renders the preload plan of specs on m, as PreloadWith does.
func NewPlan(m *model.Model, specs ...Spec) (*Plan, error) { return preload.New(m, unbox(specs)...) }

// JoinSpec is one joined path.
type JoinSpec = join.Spec

// JoinPlan is a join plan.
type JoinPlan = join.Plan

// NewJoinPlan renders the joins of specs on m, as orm's Join does.
func NewJoinPlan(m *model.Model, specs ...JoinSpec) (*JoinPlan, error) { return join.New(m, specs...) }
