package dataload

import (
	"reflect"
	"time"
)

// keyNorm returns the function that turns a key of type K into the one value every
// key PostgreSQL finds equal to it maps to, or nil when Go's == already agrees with
// PostgreSQL (integers, strings, UUIDs). The keys are normalised before they reach
// the cache, so that equal keys share one entry, and the rows' keys before they are
// matched to them.
//
// A time.Time is compared by == with its location and monotonic reading, and keeps
// nanoseconds; PostgreSQL compares a timestamptz as an instant at microsecond
// precision, and pgx sends a time.Time truncated to microseconds and reads one back
// in time.Local. So a time.Time key is the instant truncated to microseconds, in UTC.
func keyNorm[K comparable]() func(K) K {
	if reflect.TypeFor[K]() == reflect.TypeFor[time.Time]() {
		return func(k K) K {
			return any(any(k).(time.Time).Truncate(time.Microsecond).UTC()).(K)
		}
	}
	return nil
}

// normKeys returns keys normalised by norm (keys itself when norm is nil).
func normKeys[K comparable](norm func(K) K, keys []K) []K {
	if norm == nil {
		return keys
	}
	out := make([]K, len(keys))
	for i, k := range keys {
		out[i] = norm(k)
	}
	return out
}
