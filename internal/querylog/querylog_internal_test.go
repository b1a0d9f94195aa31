package querylog

import (
	"context"
	"strings"
	"testing"
)

func TestIsTxControl(t *testing.T) {
	tests := map[string]bool{
		"begin":                              true,
		"BEGIN ISOLATION LEVEL SERIALIZABLE": true,
		"commit":                             true,
		" rollback ":                         true,
		"savepoint sp_1":                     true,
		"release savepoint sp_1":             true,
		"rollback to savepoint sp_1":         true,
		"start transaction":                  true,
		"end":                                true,
		"SELECT 1":                           false,
		"beginning_of_time()":                false,
		"endpoint":                           false,
		"INSERT INTO commits VALUES (1)":     false,
	}
	for sql, want := range tests {
		if got := isTxControl(sql); got != want {
			t.Errorf("isTxControl(%q) = %v, want %v", sql, got, want)
		}
	}
}

func TestLog_recordNestsAndNumbersRoundTrips(t *testing.T) {
	ctx, outer := With(context.Background())
	_, inner := With(ctx)
	inner.record(Entry{SQL: "SELECT 1", Kind: KindQuery})
	inner.record(Entry{SQL: "a", Kind: KindBatch}, Entry{SQL: "b", Kind: KindBatch})
	inner.record(Entry{SQL: "commit", Kind: KindTx})
	for name, l := range map[string]*Log{"inner": inner, "outer": outer} {
		if l.Statements() != 3 || l.RoundTrips() != 2 || l.TxStatements() != 1 {
			t.Errorf("%s: %s", name, l)
		}
		es := l.Entries()
		if es[0].RoundTrip != 1 || es[1].RoundTrip != 2 || es[2].RoundTrip != 2 || es[3].RoundTrip != 0 {
			t.Errorf("%s: round trips %+v", name, es)
		}
	}
	if s := inner.String(); !strings.Contains(s, "3 statements in 2 round trips (+1 transaction control)") {
		t.Errorf("String: %s", s)
	}
	if From(context.Background()) != nil {
		t.Error("log in an empty context")
	}
}
