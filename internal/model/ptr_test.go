package model_test

import (
	"reflect"
	"testing"
	"unsafe"

	"github.com/batchorm/batchorm/internal/model"
)

// TestColumn_Ptr: the interface Ptr returns holds a *FieldType pointing into the struct,
// for every column kind.
func TestColumn_Ptr(t *testing.T) {
	type row struct {
		ID   int64
		Name string
		Tags []string
		At   *int32
	}
	m, err := model.Of[row]()
	if err != nil {
		t.Fatal(err)
	}
	var r row
	base := unsafe.Pointer(&r)
	*m.Columns[0].Ptr(base).(*int64) = 7
	*m.Columns[1].Ptr(base).(*string) = "x"
	*m.Columns[2].Ptr(base).(*[]string) = []string{"a"}
	*m.Columns[3].Ptr(base).(**int32) = new(int32)
	if r.ID != 7 || r.Name != "x" || len(r.Tags) != 1 || r.At == nil {
		t.Fatalf("Ptr did not address the fields: %+v", r)
	}
	if reflect.TypeOf(m.Columns[1].Ptr(base)) != reflect.TypeFor[*string]() {
		t.Fatal("Ptr must hold a *string")
	}
}
