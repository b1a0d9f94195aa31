package sqlw_test

import (
	"testing"

	"github.com/batchorm/batchorm/orm/ormtest"
)

func TestMain(m *testing.M) { ormtest.Main(m) }
