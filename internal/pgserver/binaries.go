package pgserver

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ErrNoServer is returned by [Shared] when DATABASE_URL is not set and no PostgreSQL
// binaries are found, and by [Start] when no binaries are found. Its text says how to
// fix the setup.
var ErrNoServer = errors.New("pgserver: no PostgreSQL server: set DATABASE_URL=postgres://user:pass@host:5432/db, " +
	"or install PostgreSQL so that initdb, pg_ctl and postgres are on PATH or under /usr/lib/postgresql/*/bin " +
	"(Debian: apt-get install -y postgresql)")

// defaultBinGlob matches the per-version binary directories of Debian and Ubuntu.
const defaultBinGlob = "/usr/lib/postgresql/*/bin"

// binaries holds the absolute paths of the server programs, all from one directory.
type binaries struct {
	initdb   string
	pgCtl    string
	postgres string
}

// binSearch says where to look for the binaries: each directory of a PATH-style list,
// then each directory matching one of the globs, highest version first.
type binSearch struct {
	path  string
	globs []string
}

// findBinaries returns the binaries of the first candidate directory that holds all of
// them, or [ErrNoServer].
func findBinaries(s binSearch) (binaries, error) {
	for _, dir := range s.candidates() {
		b := binaries{
			initdb:   filepath.Join(dir, "initdb"),
			pgCtl:    filepath.Join(dir, "pg_ctl"),
			postgres: filepath.Join(dir, "postgres"),
		}
		if isExecutable(b.initdb) && isExecutable(b.pgCtl) && isExecutable(b.postgres) {
			return b, nil
		}
	}
	return binaries{}, ErrNoServer
}

// candidates lists the directories to try, in order. A PATH entry holding initdb is
// followed by the directory initdb's symlink points into, so a PATH that links only
// some of the programs still finds the rest next to the real initdb.
func (s binSearch) candidates() []string {
	var dirs []string
	for _, dir := range filepath.SplitList(s.path) {
		if dir == "" || !filepath.IsAbs(dir) {
			continue // like exec.LookPath, never trust the current directory
		}
		initdb := filepath.Join(dir, "initdb")
		if !isExecutable(initdb) {
			continue
		}
		dirs = append(dirs, dir)
		if real, err := filepath.EvalSymlinks(initdb); err == nil && filepath.Dir(real) != dir {
			dirs = append(dirs, filepath.Dir(real))
		}
	}
	for _, glob := range s.globs {
		matches, err := filepath.Glob(glob)
		if err != nil {
			continue
		}
		sort.SliceStable(matches, func(i, j int) bool {
			return versionLess(versionOf(matches[j]), versionOf(matches[i]))
		})
		dirs = append(dirs, matches...)
	}
	return dirs
}

// versionOf parses the version directory of a match such as
// /usr/lib/postgresql/15/bin: the last path element made of digits and dots.
func versionOf(dir string) []int {
	for ; dir != "/" && dir != "." && dir != ""; dir = filepath.Dir(dir) {
		var v []int
		for _, part := range strings.Split(filepath.Base(dir), ".") {
			n, err := strconv.Atoi(part)
			if err != nil {
				v = nil
				break
			}
			v = append(v, n)
		}
		if v != nil {
			return v
		}
	}
	return nil
}

// versionLess orders versions numerically; an unparsed (nil) version is lowest.
func versionLess(a, b []int) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}

// isExecutable reports whether path, after following symlinks, is a regular file with
// an execute bit set.
func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}
