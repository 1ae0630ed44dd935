package credentials

import (
	"strings"
)

// iniFile is a parsed INI file as the AWS CLI and coscmd write them:
// "[section]" headers, "key = value" (or "key: value") lines, full-line
// comments starting with "#" or ";", and inline comments after whitespace.
// An indented "key = value" line under a key with an empty value is a
// nested property (AWS "s3 =" blocks) and is stored as "parent.key".
// Section names have their inner whitespace collapsed ("profile  x" is
// "profile x"); keys are lower-cased; a repeated section or key merges,
// the later value winning.
type iniFile struct {
	path     string
	sections map[string]*iniSection
}

type iniSection struct {
	name string
	line int
	keys map[string]iniValue
}

type iniValue struct {
	value string
	line  int
}

// parseINI parses data, read from path. Errors are *FileErrors naming the
// line; they never quote it.
func parseINI(path string, data []byte) (*iniFile, error) {
	f := &iniFile{path: path, sections: map[string]*iniSection{}}
	text := strings.TrimPrefix(string(data), "\uFEFF")
	var cur *iniSection
	var parent string // key with an empty value: indented lines nest under it
	for i, raw := range strings.Split(text, "\n") {
		n := i + 1
		raw = strings.TrimRight(raw, "\r")
		line := strings.TrimSpace(raw)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		indented := raw[0] == ' ' || raw[0] == '\t'
		if line[0] == '[' {
			end := strings.IndexByte(line, ']')
			if end < 0 {
				return nil, fileErr(path, n, "section header has no closing ']'")
			}
			if rest := strings.TrimSpace(line[end+1:]); rest != "" && rest[0] != '#' && rest[0] != ';' {
				return nil, fileErr(path, n, "unexpected text after the section header")
			}
			name := strings.Join(strings.Fields(line[1:end]), " ")
			if name == "" {
				return nil, fileErr(path, n, "empty section name")
			}
			cur = f.sections[name]
			if cur == nil {
				cur = &iniSection{name: name, line: n, keys: map[string]iniValue{}}
				f.sections[name] = cur
			}
			parent = ""
			continue
		}
		key, value, ok := splitKeyValue(line)
		if !ok {
			return nil, fileErr(path, n, "expected \"key = value\" or a [section] header")
		}
		if cur == nil {
			return nil, fileErr(path, n, "key %q appears before any [section] header", key)
		}
		if indented && parent != "" {
			cur.keys[parent+"."+key] = iniValue{value: value, line: n}
			continue
		}
		cur.keys[key] = iniValue{value: value, line: n}
		parent = ""
		if value == "" {
			parent = key
		}
	}
	return f, nil
}

// splitKeyValue splits "key = value" or "key: value" at the first '=' or
// ':', lower-cases the key and drops an inline comment (a '#' or ';' after
// whitespace) from the value.
func splitKeyValue(line string) (key, value string, ok bool) {
	i := strings.IndexAny(line, "=:")
	if i <= 0 {
		return "", "", false
	}
	key = strings.ToLower(strings.TrimSpace(line[:i]))
	if key == "" || strings.ContainsAny(key, " \t[]") {
		return "", "", false
	}
	value = strings.TrimSpace(line[i+1:])
	for j := 1; j < len(value); j++ {
		if (value[j] == '#' || value[j] == ';') && (value[j-1] == ' ' || value[j-1] == '\t') {
			value = strings.TrimSpace(value[:j])
			break
		}
	}
	return key, value, true
}

// section returns the named section, or nil.
func (f *iniFile) section(name string) *iniSection {
	if f == nil {
		return nil
	}
	return f.sections[name]
}

// get returns a key's value and line; a nil section has no keys.
func (s *iniSection) get(key string) (iniValue, bool) {
	if s == nil {
		return iniValue{}, false
	}
	v, ok := s.keys[key]
	return v, ok
}
