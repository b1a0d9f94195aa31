package bulk

import (
	"fmt"
	"reflect"
	"strings"
	"unsafe"
)

// checkText refuses a row whose string column holds a NUL byte, naming the row and
// the column: PostgreSQL cannot store one in text, and its error on an unnest or
// VALUES statement (22021) names neither.
func (s *insertShape) checkText(bases []unsafe.Pointer) error {
	for _, sc := range s.sent {
		if sc.preEval {
			continue
		}
		c := sc.cp.col
		var read func(unsafe.Pointer) (string, bool)
		switch {
		case c.Type.Kind() == reflect.String:
			read = func(p unsafe.Pointer) (string, bool) {
				return reflect.NewAt(c.Type, unsafe.Add(p, c.Offset)).Elem().String(), true
			}
		case c.Type.Kind() == reflect.Pointer && c.Type.Elem().Kind() == reflect.String:
			read = func(p unsafe.Pointer) (string, bool) {
				v := reflect.NewAt(c.Type, unsafe.Add(p, c.Offset)).Elem()
				if v.IsNil() {
					return "", false
				}
				return v.Elem().String(), true
			}
		default:
			continue
		}
		for i, b := range bases {
			if v, ok := read(b); ok && strings.IndexByte(v, 0) >= 0 {
				return &RowError{Index: i, Err: fmt.Errorf("column %s: %w", c.Name, ErrNULInText)}
			}
		}
	}
	return nil
}
