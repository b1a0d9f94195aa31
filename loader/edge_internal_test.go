package loader

import (
	"testing"
	"unsafe"

	"github.com/batchorm/batchorm/internal/model"
)

type rgParent struct {
	ID    int64
	Kids  []rgKid  `orm:"has-many,fk:parent_id"`
	PKids []*rgKid `orm:"has-many,fk:parent_id"`
}

type rgKid struct {
	ID       int64
	ParentID int64
}

// TestExec_attachMany_regroups feeds rows whose keys are not contiguous (as a
// collation that orders equal keys apart could return them) and checks that each
// parent still gets its own children, in arrival order, and that the buffer grows.
func TestExec_attachMany_regroups(t *testing.T) {
	m, err := model.Of[rgParent]()
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"Kids", "PKids"} {
		t.Run(path, func(t *testing.T) {
			p, err := NewPlan(m, Path(path))
			if err != nil {
				t.Fatal(err)
			}
			parents := []rgParent{{ID: 1}, {ID: 2}, {ID: 3}}
			ptrs := []unsafe.Pointer{unsafe.Pointer(&parents[0]), unsafe.Pointer(&parents[1]), unsafe.Pointer(&parents[2])}
			e := p.roots[0].newExec(ptrs).(*exec[int64])
			if ok, err := e.collect(); !ok || err != nil {
				t.Fatal(ok, err)
			}
			e.buf = newRowBuf(p.roots[0].rel.Target.Type, 1)
			for _, r := range []rgKid{{10, 1}, {20, 2}, {11, 1}, {99, 42}, {21, 2}, {12, 1}} {
				*(*rgKid)(e.buf.add()) = r
				slot, found := e.index[r.ParentID]
				if !found {
					slot = -1
				}
				e.rslot = append(e.rslot, slot)
			}
			reached := e.attach()
			if len(reached) != 5 {
				t.Fatalf("want the 5 attached rows reached, got %d", len(reached))
			}
			got := map[int64][]int64{}
			for _, par := range parents {
				ids := []int64{}
				for _, k := range par.Kids {
					ids = append(ids, k.ID)
				}
				for _, k := range par.PKids {
					ids = append(ids, k.ID)
				}
				got[par.ID] = ids
			}
			want := map[int64][]int64{1: {10, 11, 12}, 2: {20, 21}, 3: {}}
			for id, w := range want {
				if len(got[id]) != len(w) {
					t.Fatalf("parent %d: want %v, got %v", id, w, got[id])
				}
				for i := range w {
					if got[id][i] != w[i] {
						t.Fatalf("parent %d: want %v, got %v", id, w, got[id])
					}
				}
			}
			if (path == "Kids" && parents[2].Kids == nil) || (path == "PKids" && parents[2].PKids == nil) {
				t.Fatal("a parent without children must get an empty, non-nil slice")
			}
		})
	}
}
