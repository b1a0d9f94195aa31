package loader

// TEMPORARY contract file written by the lead so that package orm compiles; the loader
// engineer replaces it with the real implementation (and deletes this file).

import (
	"context"
	"errors"
	"unsafe"

	"github.com/batchorm/batchorm/internal/dbx"
	"github.com/batchorm/batchorm/internal/model"
)

// Querier is the pgx method set the loader needs.
type Querier = dbx.Querier

var errTODO = errors.New("loader: not implemented yet")

// Spec is one relation path to preload, with options on its last edge.
type Spec struct {
	path string
}

// Option configures a Spec.
type Option interface{ apply(*Spec) }

// Path makes a Spec.
func Path(path string, opts ...Option) Spec { return Spec{path: path} }

// Plan is a validated preload plan for a model.
type Plan struct{}

// NewPlan validates specs against m before any statement is sent.
func NewPlan(m *model.Model, specs ...Spec) (*Plan, error) { return nil, errTODO }

// Load runs the plan on parents ([]T, []*T, *[]T).
func (p *Plan) Load(ctx context.Context, q Querier, parents any) error { return errTODO }

// KeyColumns returns the owner key columns that top-level specs need selected.
func KeyColumns(m *model.Model, specs ...Spec) []*model.Column { return m.PK }

// JoinSpec is one to-one path to join.
type JoinSpec struct {
	Path  string
	Inner bool
}

// JoinPlan is a validated set of joins.
type JoinPlan struct{}

// NewJoinPlan validates specs against m.
func NewJoinPlan(m *model.Model, specs ...JoinSpec) (*JoinPlan, error) { return nil, errTODO }

// From returns the FROM clause: base table and joins.
func (p *JoinPlan) From() string { return "" }

// SelectList returns the joined columns, qualified by alias.
func (p *JoinPlan) SelectList() string { return "" }

// Column resolves "Rel.col" to a quoted qualified column.
func (p *JoinPlan) Column(name string) (string, error) { return "", errTODO }

// NewScanner returns per-query scan state.
func (p *JoinPlan) NewScanner() *JoinScanner { return &JoinScanner{} }

// JoinScanner holds scan destinations for one query.
type JoinScanner struct{}

// Dest returns the destinations for the joined columns, constant over the query.
func (s *JoinScanner) Dest() []any { return nil }

// Assign builds the nested structs of the row just scanned into the owner at base.
func (s *JoinScanner) Assign(base unsafe.Pointer) error { return errTODO }
