package model

import (
	"errors"
	"strings"
)

// ParseOrderKey splits a sort key as written by a caller ("-name", "name DESC",
// "name asc") into a name and a direction. The name still has to be resolved against a
// model; anything with spaces or other words is refused here.
func ParseOrderKey(key string) (name string, desc bool, err error) {
	key = strings.TrimSpace(key)
	switch rest, minus := strings.CutPrefix(key, "-"); {
	case minus:
		key, desc = rest, true
	case !strings.ContainsAny(key, " \t"): // a bare name, the common case
	default:
		f := strings.Fields(key)
		if len(f) != 2 {
			break
		}
		switch {
		case strings.EqualFold(f[1], "desc"):
			key, desc = f[0], true
		case strings.EqualFold(f[1], "asc"):
			key = f[0]
		default:
			return "", false, errors.New("direction must be ASC or DESC")
		}
	}
	if key == "" || strings.ContainsAny(key, " \t") {
		return "", false, errors.New("malformed sort key")
	}
	return key, desc, nil
}
