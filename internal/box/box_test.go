package box_test

import (
	"testing"

	"github.com/batchorm/batchorm/internal/box"
)

type inner = box.Box[int]

type Public struct{ inner }

func TestGet(t *testing.T) {
	if v, ok := box.Get[int](Public{box.Of(7)}); !ok || v != 7 {
		t.Fatalf("got %v %v", v, ok)
	}
	if v, ok := box.Get[int](&Public{box.Of(8)}); !ok || v != 8 {
		t.Fatalf("pointer: got %v %v", v, ok)
	}
	if _, ok := box.Get[string](Public{box.Of(7)}); ok {
		t.Fatal("wrong type read")
	}
	if _, ok := box.Get[int](42); ok {
		t.Fatal("plain value read")
	}
}
