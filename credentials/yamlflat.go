package credentials

import (
	"strconv"
	"strings"
)

// flatYAML is the subset of YAML the QingStor SDKs write to config.yaml:
// one "key: value" mapping per line at the top level; values plain,
// single-quoted (two single quotes stand for one) or double-quoted (with
// the escapes \" \\ \/ \n \t \r \0 and \uXXXX); comments from "#" at the
// start of a line or after whitespace; blank lines; a leading "---". A
// repeated key takes the later value. An indented block below a key with
// no value (a nested mapping) is skipped; lists, flow collections,
// anchors, tags and multi-line scalars are reported with their line.
type flatYAML struct {
	path   string
	values map[string]iniValue // reuses iniValue: value and line
	nested map[string]int      // keys with a nested block: line of the key
}

func parseFlatYAML(path string, data []byte) (*flatYAML, error) {
	y := &flatYAML{path: path, values: map[string]iniValue{}, nested: map[string]int{}}
	text := strings.TrimPrefix(string(data), "\uFEFF")
	parent := "" // key with an empty value: indented lines below it are skipped
	for i, raw := range strings.Split(text, "\n") {
		n := i + 1
		raw = strings.TrimRight(raw, "\r")
		trimmed := strings.TrimSpace(raw)
		if trimmed == "" || trimmed[0] == '#' {
			continue
		}
		if raw[0] == ' ' || raw[0] == '\t' {
			if parent == "" {
				return nil, fileErr(path, n, "unexpected indentation (only top-level \"key: value\" lines are supported)")
			}
			y.nested[parent] = y.values[parent].line
			continue
		}
		parent = ""
		if trimmed == "---" && len(y.values) == 0 {
			continue
		}
		if strings.HasPrefix(trimmed, "- ") || trimmed == "-" {
			return nil, fileErr(path, n, "lists are not supported")
		}
		colon := strings.Index(raw, ":")
		if colon <= 0 {
			return nil, fileErr(path, n, "expected \"key: value\"")
		}
		key := strings.TrimSpace(raw[:colon])
		if key == "" || strings.ContainsAny(key, " \t\"'{}[]&*!|>%@`#") {
			return nil, fileErr(path, n, "expected \"key: value\" with a plain key")
		}
		rest := raw[colon+1:]
		if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
			return nil, fileErr(path, n, "expected a space after \"%s:\"", key)
		}
		value, err := yamlScalar(strings.TrimSpace(rest))
		if err != "" {
			return nil, fileErr(path, n, "%s: %s", key, err)
		}
		y.values[key] = iniValue{value: value, line: n}
		if strings.TrimSpace(stripYAMLComment(rest)) == "" {
			parent = key
		}
	}
	return y, nil
}

// yamlScalar decodes a value: quoted, or plain up to a " #" comment. It
// returns a reason when the value is not in the supported subset.
func yamlScalar(s string) (string, string) {
	if s == "" {
		return "", ""
	}
	switch s[0] {
	case '\'':
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			if s[i] != '\'' {
				b.WriteByte(s[i])
				continue
			}
			if i+1 < len(s) && s[i+1] == '\'' {
				b.WriteByte('\'')
				i++
				continue
			}
			if tail := strings.TrimSpace(s[i+1:]); tail != "" && tail[0] != '#' {
				return "", "unexpected text after the quoted value"
			}
			return b.String(), ""
		}
		return "", "unterminated single-quoted value"
	case '"':
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			c := s[i]
			switch {
			case c == '"':
				if tail := strings.TrimSpace(s[i+1:]); tail != "" && tail[0] != '#' {
					return "", "unexpected text after the quoted value"
				}
				return b.String(), ""
			case c != '\\':
				b.WriteByte(c)
				continue
			}
			if i+1 >= len(s) {
				break
			}
			i++
			switch s[i] {
			case '"', '\\', '/':
				b.WriteByte(s[i])
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '0':
				b.WriteByte(0)
			case 'u':
				if i+4 >= len(s) {
					return "", "bad \\u escape"
				}
				r, err := strconv.ParseUint(s[i+1:i+5], 16, 32)
				if err != nil {
					return "", "bad \\u escape"
				}
				b.WriteRune(rune(r))
				i += 4
			default:
				return "", "unsupported escape in a double-quoted value"
			}
		}
		return "", "unterminated double-quoted value"
	case '[', '{', '&', '*', '!', '|', '>', '@', '`', '%':
		return "", "only plain and quoted scalar values are supported"
	}
	return strings.TrimSpace(stripYAMLComment(s)), ""
}

// stripYAMLComment cuts a plain value at a "#" that follows whitespace.
func stripYAMLComment(s string) string {
	for j := 0; j < len(s); j++ {
		if s[j] == '#' && (j == 0 || s[j-1] == ' ' || s[j-1] == '\t') {
			return s[:j]
		}
	}
	return s
}

// get returns a scalar value. A key whose value is a nested block is an
// error: the caller needed a scalar there.
func (y *flatYAML) get(key string) (iniValue, *FileError) {
	if line, ok := y.nested[key]; ok {
		return iniValue{}, fileErr(y.path, line, "%s must be a single value, not a nested block", key)
	}
	return y.values[key], nil
}
