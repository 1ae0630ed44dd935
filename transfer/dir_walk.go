package transfer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// checkGlob reports a malformed pattern.
func checkGlob(p string) error {
	if p == "" {
		return errors.New("empty pattern")
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "**" {
			continue
		}
		if _, err := path.Match(seg, ""); err != nil {
			return err
		}
	}
	return nil
}

// matchGlob reports whether the slash path rel matches p: a pattern
// without "/" matches rel's last name, one with "/" the whole path, "**"
// standing for any number of names.
func matchGlob(p, rel string) bool {
	if !strings.Contains(p, "/") {
		ok, _ := path.Match(p, path.Base(rel))
		return ok
	}
	return matchSegs(strings.Split(strings.TrimPrefix(p, "/"), "/"), strings.Split(rel, "/"))
}

func matchSegs(ps, names []string) bool {
	for len(ps) > 0 {
		if ps[0] == "**" {
			for i := 0; i <= len(names); i++ {
				if matchSegs(ps[1:], names[i:]) {
					return true
				}
			}
			return false
		}
		if len(names) == 0 {
			return false
		}
		if ok, _ := path.Match(ps[0], names[0]); !ok {
			return false
		}
		ps, names = ps[1:], names[1:]
	}
	return len(names) == 0
}

// wanted reports whether the filters let the file rel through.
func (s *dirSpec) wanted(rel string) bool {
	for _, p := range s.exclude {
		if matchGlob(p, rel) {
			return false
		}
	}
	if len(s.include) == 0 {
		return true
	}
	for _, p := range s.include {
		if matchGlob(p, rel) {
			return true
		}
	}
	return false
}

// prunes reports whether an Exclude pattern leaves out every file below
// the directory rel ("cache", "cache/**", "**/node_modules").
func (s *dirSpec) prunes(rel string) bool {
	for _, p := range s.exclude {
		if matchGlob(p, rel) || (strings.HasSuffix(p, "/**") && matchGlob(strings.TrimSuffix(p, "/**"), rel)) {
			return true
		}
	}
	return false
}

// localFile is a regular file of a tree (or what a followed link names).
type localFile struct {
	rel   string // slash path below the root
	path  string // the path to open
	size  int64
	mtime time.Time
}

// walkTree lists the regular files below root that the filters let
// through, in path order, following links as the policy says. Links
// skipped or refused, files that are not regular and unreadable
// directories are reported in skipped (Err set for failures).
func (s *dirSpec) walkTree(root string) ([]localFile, []FileResult, error) {
	st, err := os.Stat(root)
	if err != nil {
		return nil, nil, err
	}
	if !st.IsDir() {
		return nil, nil, fmt.Errorf("transfer: %s is not a directory", root)
	}
	var files []localFile
	var skipped []FileResult
	var walk func(dir, rel string, ancestors []os.FileInfo)
	walk = func(dir, rel string, ancestors []os.FileInfo) {
		ents, err := os.ReadDir(dir)
		if err != nil {
			skipped = append(skipped, FileResult{Path: rel, Action: FileSkipped, Err: err})
			return
		}
		for _, e := range ents {
			name := e.Name()
			r := name
			if rel != "" {
				r = rel + "/" + name
			}
			p := filepath.Join(dir, name)
			info, err := e.Info()
			if err != nil {
				skipped = append(skipped, FileResult{Path: r, Action: FileSkipped, Err: err})
				continue
			}
			if info.Mode()&fs.ModeSymlink != 0 {
				switch s.symlinks {
				case SymlinksSkip:
					if s.wanted(r) {
						skipped = append(skipped, FileResult{Path: r, Action: FileSkipped, Reason: "a symbolic link (SymlinksSkip)"})
					}
					continue
				case SymlinksError:
					if s.wanted(r) {
						skipped = append(skipped, FileResult{Path: r, Action: FileSkipped, Err: fmt.Errorf("transfer: %s is a symbolic link (SymlinksError)", p)})
					}
					continue
				}
				if info, err = os.Stat(p); err != nil {
					skipped = append(skipped, FileResult{Path: r, Action: FileSkipped, Err: err})
					continue
				}
			}
			switch {
			case info.IsDir():
				if s.prunes(r) {
					continue
				}
				if slices.ContainsFunc(ancestors, func(a os.FileInfo) bool { return os.SameFile(a, info) }) {
					skipped = append(skipped, FileResult{Path: r, Action: FileSkipped, Err: fmt.Errorf("transfer: %s leads back to a directory above it (a symbolic link loop)", p)})
					continue
				}
				walk(p, r, append(ancestors[:len(ancestors):len(ancestors)], info))
			case !s.wanted(r):
			case info.Mode().IsRegular():
				files = append(files, localFile{rel: r, path: p, size: info.Size(), mtime: info.ModTime()})
			default:
				skipped = append(skipped, FileResult{Path: r, Action: FileSkipped, Reason: "not a regular file (" + info.Mode().Type().String() + ")"})
			}
		}
	}
	walk(root, "", []os.FileInfo{st})
	slices.SortFunc(files, func(a, b localFile) int { return strings.Compare(a.rel, b.rel) })
	return files, skipped, nil
}

// localRel turns an object's key into its path below the directory, or
// reports why it cannot be one.
func (s *dirSpec) localRel(key string) (string, error) {
	rel := strings.TrimPrefix(key, s.prefix)
	if !filepath.IsLocal(filepath.FromSlash(rel)) || path.Clean(rel) != rel {
		return rel, fmt.Errorf("transfer: the key %q makes no path inside the directory", key)
	}
	return rel, nil
}
