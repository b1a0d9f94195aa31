package preload

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/batchorm/batchorm/internal/model"
)

type rgParent struct {
	ID    int64
	Kids  []rgKid  `orm:"has-many,fk:parent_id"`
	PKids []*rgKid `orm:"has-many,fk:parent_id"`
	Kid   *rgKid   `orm:"has-one,fk:parent_id"`
}

type rgKid struct {
	ID       int64
	ParentID int64
}

// load runs the in-memory part of one edge of path on parents, as if the statement
// had returned rows in that order: slots, arrangement and attachment.
// With generic, the key order is checked after reading, as for keys other than integers.
func load(t *testing.T, path string, parents []rgParent, rows []rgKid, generic bool) []unsafe.Pointer {
	t.Helper()
	m, err := model.Of[rgParent]()
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(m, Spec{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	ptrs := make([]unsafe.Pointer, len(parents))
	for i := range parents {
		ptrs[i] = unsafe.Pointer(&parents[i])
	}
	e := p.roots[0].newExec(ptrs).(*exec[int64])
	if ok, err := e.collect(); !ok || err != nil {
		t.Fatal(ok, err)
	}
	e.buf = newRowBuf(p.roots[0].rel.Target.Type, 1) // chunks of 8, 16, 32...: rows span them
	n := p.roots[0]
	var pk func(unsafe.Pointer) int64
	if n.inMemory && !generic {
		pk = n.pkInt
	}
	e.runs.init(len(e.keys), pk)
	for i, r := range rows {
		row := e.buf.add()
		*(*rgKid)(row) = r
		slot, found := e.index[r.ParentID]
		if !found {
			slot = -1
		}
		e.runs.add(i, slot, row)
		e.rslot = append(e.rslot, slot)
	}
	return e.attach()
}

// TestExec_attach_ordersInMemory feeds rows in every kind of disorder (parents
// interleaved, keys descending, rows of no parent among them, rows spanning chunks)
// and checks that each parent gets exactly its children in primary-key order, as
// value and as pointer slices, and the lowest key for has-one.
func TestExec_attach_ordersInMemory(t *testing.T) {
	t.Parallel()
	var kids []rgKid
	for id := int64(1); id <= 100; id++ {
		kids = append(kids, rgKid{ID: id, ParentID: 1 + id%4}) // parents 1..4; 4 is not loaded
	}
	rng := rand.New(rand.NewPCG(1, 2))
	orders := map[string][]rgKid{
		"key order":  slices.Clone(kids),
		"descending": slices.Clone(kids),
		"grouped by parent, descending within": slices.SortedFunc(slices.Values(kids), func(a, b rgKid) int {
			if a.ParentID != b.ParentID {
				return int(a.ParentID - b.ParentID)
			}
			return int(b.ID - a.ID)
		}),
		"shuffled": slices.Clone(kids),
	}
	slices.Reverse(orders["descending"])
	rng.Shuffle(len(kids), func(i, j int) {
		orders["shuffled"][i], orders["shuffled"][j] = orders["shuffled"][j], orders["shuffled"][i]
	})
	for name, rows := range orders {
		for _, path := range []string{"Kids", "PKids", "Kid", "Kids/generic", "PKids/generic"} {
			t.Run(name+"/"+path, func(t *testing.T) {
				parents := []rgParent{{ID: 1}, {ID: 2}, {ID: 3}, {ID: 5}, {ID: 2}}
				path, generic := strings.CutSuffix(path, "/generic")
				reached := load(t, path, parents, rows, generic)
				for _, par := range parents {
					var want []int64
					for id := int64(1); id <= 100; id++ {
						if 1+id%4 == par.ID {
							want = append(want, id)
						}
					}
					got := []int64{}
					for _, k := range par.Kids {
						got = append(got, k.ID)
					}
					for _, k := range par.PKids {
						got = append(got, k.ID)
					}
					if path == "Kid" {
						if par.Kid != nil {
							got = append(got, par.Kid.ID)
						}
						want = want[:min(len(want), 1)]
					} else if par.Kids == nil && par.PKids == nil {
						t.Fatalf("parent %d: a loaded to-many field must not be nil", par.ID)
					}
					if !slices.Equal(got, want) {
						t.Fatalf("parent %d: want %v, got %v", par.ID, want, got)
					}
				}
				wantReached := 75
				if path == "Kid" {
					wantReached = 3
				}
				if len(reached) != wantReached {
					t.Fatalf("want %d rows reached, got %d", wantReached, len(reached))
				}
			})
		}
	}
}

func TestPkCompare(t *testing.T) {
	t.Parallel()
	type row struct {
		A int32
		B string
		C [16]byte
		F float64
	}
	m, err := model.Of[row]()
	if err != nil {
		t.Fatal(err)
	}
	col := func(name string) *model.Column {
		c, err := m.Column(name)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if pkCompare([]*model.Column{col("A"), col("F")}) != nil {
		t.Fatal("a float key has no order here")
	}
	cmp := pkCompare([]*model.Column{col("A"), col("B"), col("C")})
	rows := []row{{1, "b", [16]byte{}, 0}, {1, "b", [16]byte{1}, 0}, {1, "c", [16]byte{}, 0}, {2, "a", [16]byte{}, 0}, {-1, "z", [16]byte{9}, 0}}
	order := []int{0, 1, 2, 3, 4}
	slices.SortFunc(order, func(i, j int) int { return cmp(unsafe.Pointer(&rows[i]), unsafe.Pointer(&rows[j])) })
	got := make([]int, len(rows))
	for pos, i := range order {
		got[i] = pos
	}
	want := []int{1, 2, 3, 4, 0} // ranks: (-1,z) first, then (1,b,0), (1,b,1), (1,c), (2,a)
	if !slices.Equal(got, want) {
		t.Fatalf("want ranks %v, got %v", want, got)
	}
}
