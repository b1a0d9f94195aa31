package orm_test

import "testing"

func TestSmoke(t *testing.T) {
	db := newDB(t)
	mustExec(t, db, "INSERT INTO users (name) VALUES ('a')")
}
