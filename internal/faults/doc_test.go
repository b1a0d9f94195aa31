// Package faults_test holds batchorm's fault tests: short, deterministic versions of
// what an operator does to a database under load — backends killed during bulk
// writes, fast and immediate server restarts under concurrent writers, deadlines,
// a saturated pool — each asserting what the promises say: no partial writes,
// no acknowledged write lost, typed errors, connections given back, and a pool that
// recovers without a restart of the program.
package faults_test

import (
	"testing"

	"github.com/batchorm/batchorm/orm/ormtest"
)

func TestMain(m *testing.M) { ormtest.Main(m) }
