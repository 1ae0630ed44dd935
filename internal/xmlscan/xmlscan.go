// Package xmlscan reads the listing documents of object stores (S3's
// ListBucketResult, ListVersionsResult, ListMultipartUploadsResult,
// ListPartsResult, and their COS and IBM twins) without encoding/xml's
// tokenizer, which costs most of a listing's CPU and about 27 allocations
// per key. It is shared by the bucket and multipart packages and makes no
// public promise.
//
// The Scanner reads a strict subset of XML: what servers send. Whatever
// lies outside it — comments, CDATA sections, directives, processing
// instructions other than a plain UTF-8 XML declaration, names with
// non-ASCII letters, entities other than the five predefined ones and
// character references, text or a second element after the root — and
// every document that is not well-formed, it reports as Unsupported
// without deciding anything. The caller then decodes the same bytes with
// encoding/xml, which accepts or refuses them. So a decoder built on the
// Scanner accepts and refuses exactly what its encoding/xml fallback
// does, as long as the Scanner never accepts what encoding/xml refuses
// and reads what it accepts as encoding/xml does; the differential fuzz
// targets in bucket and multipart check that.
//
// Within the subset the Scanner checks what encoding/xml checks: names
// (ASCII letters, digits, '_', ':', '.', '-', not starting with a digit,
// '.' or '-', at most one ':'), quoted attribute values, matching end
// tags, entity and character references, valid UTF-8 and the XML
// character range, no "]]>" in text. It decodes text as encoding/xml
// does: references replaced, "\r\n" and a lone "\r" read as "\n".
package xmlscan

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Kind is what Next found.
type Kind uint8

// What Next reports.
const (
	// Unsupported: the document leaves the subset the Scanner reads, or
	// is not well-formed. Nothing is decided: decode it with encoding/xml.
	// Every later call reports Unsupported too.
	Unsupported Kind = iota
	// Start: an element opened. Depth counts it; Local and Name name it.
	Start
	// End: the innermost open element closed. Depth, Local and Name still
	// describe it, and Text is its own character data.
	End
	// Done: the document ended after its root element, with only white
	// space and at most an XML declaration around it.
	Done
)

// frame is an open element.
type frame struct {
	raw   []byte // its name as written, which its end tag must repeat
	local []byte // the part after a "prefix:", or the whole name
	// Its own character data: while it is one segment that needs no
	// decoding it is span, a slice of the document; once there is more
	// (or a reference to replace) it is s.text[off:].
	span []byte
	off  int // -1 until the text is copied into s.text
}

// Scanner reads one document. The zero value is not usable: get one from
// Read, and Release it when done.
type Scanner struct {
	buf   bytes.Buffer
	doc   []byte
	pos   int
	stack []frame
	text  []byte // copied character data of open elements, each after its parent's

	emptyEnd bool // the last Start was <name/>: its End comes next
	pop      bool // the last event was End: drop that frame first
	rootDone bool // the root element has closed
	failed   bool
}

var scanners = sync.Pool{New: func() any { return new(Scanner) }}

// maxPooled is the largest document buffer kept for reuse.
const maxPooled = 4 << 20

// Read reads r to its end into a pooled Scanner, ready to scan. r should
// be bounded (an io.LimitReader): the whole document is held in memory.
func Read(r io.Reader) (*Scanner, error) {
	s := scanners.Get().(*Scanner)
	s.buf.Reset()
	if _, err := s.buf.ReadFrom(r); err != nil {
		s.Release()
		return nil, err
	}
	s.Reset(s.buf.Bytes())
	return s, nil
}

// Release returns s to the pool. Neither s nor anything it returned
// (Bytes, Text, Local, Name) may be used afterwards.
func (s *Scanner) Release() {
	s.doc, s.stack, s.text = nil, s.stack[:0], s.text[:0]
	if s.buf.Cap() > maxPooled {
		s.buf = bytes.Buffer{}
	}
	scanners.Put(s)
}

// Reset starts scanning doc from its beginning.
func (s *Scanner) Reset(doc []byte) {
	s.doc, s.pos = doc, 0
	s.stack, s.text = s.stack[:0], s.text[:0]
	s.emptyEnd, s.pop, s.rootDone, s.failed = false, false, false, false
}

// Bytes returns the whole document, for a decoder to fall back on.
func (s *Scanner) Bytes() []byte { return s.doc }

// Depth is the number of open elements, the one Next reported included:
// 1 for the root element.
func (s *Scanner) Depth() int { return len(s.stack) }

// Local returns the local name (without a prefix) of the element Next
// reported.
func (s *Scanner) Local() []byte { return s.stack[len(s.stack)-1].local }

// Name returns the local name of the open element at depth d (1 is the
// root), d ≤ Depth.
func (s *Scanner) Name(d int) []byte { return s.stack[d-1].local }

// Text returns the character data of the element an End reported: its
// own, not its children's, with references replaced. It is valid until
// the next call to Next.
func (s *Scanner) Text() []byte {
	f := &s.stack[len(s.stack)-1]
	if f.off >= 0 {
		return s.text[f.off:]
	}
	return f.span
}

// Next reads up to the next element start or end.
func (s *Scanner) Next() Kind {
	if s.failed {
		return Unsupported
	}
	if s.emptyEnd {
		s.emptyEnd, s.pop = false, true
		return End
	}
	if s.pop {
		s.pop = false
		f := &s.stack[len(s.stack)-1]
		if f.off >= 0 {
			s.text = s.text[:f.off]
		}
		s.stack = s.stack[:len(s.stack)-1]
		s.rootDone = len(s.stack) == 0
	}
	k := s.next()
	if k == Unsupported {
		s.failed = true
	}
	return k
}

func (s *Scanner) next() Kind {
	doc := s.doc
	for {
		if s.pos >= len(doc) {
			if len(s.stack) == 0 && s.rootDone {
				return Done
			}
			return Unsupported
		}
		if doc[s.pos] != '<' {
			end := bytes.IndexByte(doc[s.pos:], '<')
			if end < 0 {
				end = len(doc)
			} else {
				end += s.pos
			}
			seg := doc[s.pos:end]
			s.pos = end
			if len(s.stack) == 0 {
				if !blank(seg) {
					return Unsupported
				}
				continue
			}
			if !s.addText(seg) {
				return Unsupported
			}
			continue
		}
		if s.pos+1 >= len(doc) {
			return Unsupported
		}
		switch doc[s.pos+1] {
		case '/':
			return s.endTag()
		case '?':
			if len(s.stack) != 0 || s.rootDone || !s.declaration() {
				return Unsupported
			}
		case '!':
			return Unsupported // comment, CDATA or directive
		default:
			return s.startTag()
		}
	}
}

// startTag reads "<name attr='value' ...>" or "<name .../>" at s.pos.
func (s *Scanner) startTag() Kind {
	doc := s.doc
	if s.rootDone {
		return Unsupported // a second root element
	}
	raw, local, j, ok := name(doc, s.pos+1)
	if !ok {
		return Unsupported
	}
	empty := false
	for {
		j = skipSpace(doc, j)
		if j >= len(doc) {
			return Unsupported
		}
		if doc[j] == '>' {
			j++
			break
		}
		if doc[j] == '/' {
			if j+1 >= len(doc) || doc[j+1] != '>' {
				return Unsupported
			}
			empty = true
			j += 2
			break
		}
		var k int
		if _, _, k, ok = name(doc, j); !ok {
			return Unsupported
		}
		k = skipSpace(doc, k)
		if k >= len(doc) || doc[k] != '=' {
			return Unsupported
		}
		k = skipSpace(doc, k+1)
		if k >= len(doc) || (doc[k] != '"' && doc[k] != '\'') {
			return Unsupported
		}
		end := bytes.IndexByte(doc[k+1:], doc[k])
		if end < 0 || !validAttr(doc[k+1:k+1+end]) {
			return Unsupported
		}
		j = k + 1 + end + 1
	}
	s.pos = j
	s.stack = append(s.stack, frame{raw: raw, local: local, off: -1})
	s.emptyEnd = empty
	return Start
}

// endTag reads "</name>" (white space allowed before '>') at s.pos.
func (s *Scanner) endTag() Kind {
	doc := s.doc
	if len(s.stack) == 0 {
		return Unsupported
	}
	// The open element's name, as a whole name: what name would read
	// there is exactly it, a valid name.
	raw, j := s.stack[len(s.stack)-1].raw, s.pos+2
	if len(doc)-j < len(raw) || string(doc[j:j+len(raw)]) != string(raw) {
		return Unsupported
	}
	j += len(raw)
	if j < len(doc) && (nameByte[doc[j]] || doc[j] >= utf8.RuneSelf) {
		return Unsupported
	}
	j = skipSpace(doc, j)
	if j >= len(doc) || doc[j] != '>' {
		return Unsupported
	}
	s.pos = j + 1
	s.pop = true
	return End
}

// declarations are the XML declarations the Scanner accepts (between
// "<?xml" and "?>", white space trimmed): version 1.0, UTF-8 or no
// encoding, which encoding/xml accepts too.
var declarations = []string{
	`version="1.0" encoding="UTF-8"`,
	`version="1.0" encoding="utf-8"`,
	`version='1.0' encoding='UTF-8'`,
	`version='1.0' encoding='utf-8'`,
	`version="1.0"`,
	`version='1.0'`,
	`version="1.0" encoding="UTF-8" standalone="yes"`,
	`version="1.0" encoding="UTF-8" standalone="no"`,
}

// declaration reads an XML declaration at s.pos.
func (s *Scanner) declaration() bool {
	rest := s.doc[s.pos+2:]
	if len(rest) < 4 || string(rest[:3]) != "xml" || !isSpace(rest[3]) {
		return false
	}
	end := bytes.Index(rest[4:], []byte("?>"))
	if end < 0 {
		return false
	}
	content := string(bytes.TrimSpace(rest[4 : 4+end]))
	for _, d := range declarations {
		if content == d {
			s.pos += 2 + 4 + end + 2
			return true
		}
	}
	return false
}

// addText adds a segment of character data to the innermost element.
func (s *Scanner) addText(seg []byte) bool {
	clean, ok := checkText(seg)
	if !ok {
		return false
	}
	f := &s.stack[len(s.stack)-1]
	if clean && f.off < 0 && f.span == nil {
		f.span = seg
		return true
	}
	if f.off < 0 {
		f.off = len(s.text)
		s.text = append(s.text, f.span...)
		f.span = nil
	}
	if clean {
		s.text = append(s.text, seg...)
		return true
	}
	return s.decodeText(seg)
}

// decodeText appends seg to s.text with references replaced and line
// ends normalised; checkText has vetted it.
func (s *Scanner) decodeText(seg []byte) bool {
	for i := 0; i < len(seg); {
		switch c := seg[i]; c {
		case '&':
			r, end, ok := reference(seg, i)
			if !ok {
				return false
			}
			s.text = utf8.AppendRune(s.text, r)
			i = end
		case '\r':
			s.text = append(s.text, '\n')
			i++
			if i < len(seg) && seg[i] == '\n' {
				i++
			}
		default:
			s.text = append(s.text, c)
			i++
		}
	}
	return true
}

// Byte classes of character data.
const (
	plain   = iota // copied as is
	special        // '&' or '\r': decoded
	bracket        // ']': "]]>" is refused in text
	high           // the first byte of a multi-byte character
	bad            // a control character outside the XML range, or '<'
)

var textClass = func() (t [256]uint8) {
	for c := range 256 {
		switch {
		case c == '&' || c == '\r':
			t[c] = special
		case c == ']':
			t[c] = bracket
		case c >= utf8.RuneSelf:
			t[c] = high
		case c == '\t' || c == '\n' || (c >= 0x20 && c != '<'):
			t[c] = plain
		default:
			t[c] = bad
		}
	}
	return t
}()

// checkText vets a segment of character data (up to the next '<'): valid
// UTF-8 in the XML character range, no "]]>". clean means it needs no
// decoding. References are checked as they are decoded.
func checkText(seg []byte) (clean, ok bool) {
	clean = true
	for i := 0; i < len(seg); i++ {
		switch textClass[seg[i]] {
		case plain:
		case special:
			clean = false
		case bracket:
			if i+2 < len(seg) && seg[i+1] == ']' && seg[i+2] == '>' {
				return false, false
			}
		case high:
			r, size := utf8.DecodeRune(seg[i:])
			if (r == utf8.RuneError && size == 1) || !inRange(r) {
				return false, false
			}
			i += size - 1
		default:
			return false, false
		}
	}
	return clean, true
}

// validAttr vets a quoted attribute value (without its quotes): as text,
// but "]]>" is allowed and '<' is not.
func validAttr(v []byte) bool {
	for i := 0; i < len(v); i++ {
		switch textClass[v[i]] {
		case plain, bracket:
		case special:
			if v[i] == '&' {
				_, end, ok := reference(v, i)
				if !ok {
					return false
				}
				i = end - 1
			}
		case high:
			r, size := utf8.DecodeRune(v[i:])
			if (r == utf8.RuneError && size == 1) || !inRange(r) {
				return false
			}
			i += size - 1
		default:
			return false
		}
	}
	return true
}

// reference reads the entity or character reference at b[i] == '&': one
// of the five predefined entities, "&#DIGITS;" or "&#xHEX;" naming a
// character in the XML range. It returns the character and the index
// after the ';'.
func reference(b []byte, i int) (r rune, end int, ok bool) {
	rest := b[i+1:]
	if len(rest) > 0 && rest[0] == '#' {
		j, base := 1, rune(10)
		if len(rest) > 1 && rest[1] == 'x' {
			j, base = 2, 16
		}
		start := j
		for j < len(rest) && j-start < 8 {
			d := digit(rest[j], base)
			if d < 0 {
				break
			}
			r = r*base + d
			j++
		}
		if j == start || j >= len(rest) || rest[j] != ';' || !inRange(r) {
			return 0, 0, false
		}
		return r, i + 1 + j + 1, true
	}
	for _, e := range entities {
		if bytes.HasPrefix(rest, []byte(e.name)) {
			return e.r, i + 1 + len(e.name), true
		}
	}
	return 0, 0, false
}

var entities = [...]struct {
	name string
	r    rune
}{{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''}}

func digit(c byte, base rune) rune {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0')
	case base == 16 && 'a' <= c && c <= 'f':
		return rune(c-'a') + 10
	case base == 16 && 'A' <= c && c <= 'F':
		return rune(c-'A') + 10
	}
	return -1
}

// inRange reports whether r is an XML character (the Char production of
// XML 1.0, section 2.2).
func inRange(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		(r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}

// Name byte classes: the ASCII letters, '_' and ':' may start a name;
// digits, '.' and '-' may follow.
var nameStart, nameByte = func() (start, any [256]bool) {
	for c := range 128 {
		letter := ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || c == '_' || c == ':'
		start[c] = letter
		any[c] = letter || ('0' <= c && c <= '9') || c == '.' || c == '-'
	}
	return start, any
}()

// name reads an ASCII name at doc[i:]: the name as written, its local
// part (after a "prefix:" with both parts non-empty, else the whole name)
// and the index after it. A name with a non-ASCII byte or two colons is
// not read.
func name(doc []byte, i int) (raw, local []byte, end int, ok bool) {
	if i >= len(doc) || !nameStart[doc[i]] {
		return nil, nil, 0, false
	}
	j, colon, colons := i+1, -1, 0
	if doc[i] == ':' {
		colon, colons = i, 1
	}
	for j < len(doc) && nameByte[doc[j]] {
		if doc[j] == ':' {
			colon, colons = j, colons+1
		}
		j++
	}
	if (j < len(doc) && doc[j] >= utf8.RuneSelf) || colons > 1 {
		return nil, nil, 0, false
	}
	raw, local = doc[i:j], doc[i:j]
	if colons == 1 && colon > i && colon < j-1 {
		local = doc[colon+1 : j]
	}
	return raw, local, j, true
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func skipSpace(doc []byte, i int) int {
	for i < len(doc) && isSpace(doc[i]) {
		i++
	}
	return i
}

// blank reports whether b is only XML white space.
func blank(b []byte) bool {
	for _, c := range b {
		if !isSpace(c) {
			return false
		}
	}
	return true
}

// ParseInt reads an integer element as encoding/xml does: empty is 0,
// white space around the digits is ignored, bits is the destination's
// size.
func ParseInt(b []byte, bits int) (int64, error) {
	if len(b) == 0 {
		return 0, nil
	}
	if len(b) <= 18 {
		var n int64
		for _, c := range b {
			if c < '0' || c > '9' {
				goto slow
			}
			n = n*10 + int64(c-'0')
		}
		if bits == 64 || n < 1<<(bits-1) {
			return n, nil
		}
	}
slow:
	return strconv.ParseInt(strings.TrimSpace(string(b)), 10, bits)
}

// ParseBool reads a boolean element as encoding/xml does: empty is
// false, white space around the value is ignored.
func ParseBool(b []byte) (bool, error) {
	switch string(b) {
	case "":
		return false, nil
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return strconv.ParseBool(strings.TrimSpace(string(b)))
}

// String returns string(b), without a copy for a few values listings
// repeat on every entry (storage classes, element names).
func String(b []byte) string {
	switch string(b) {
	case "STANDARD":
		return "STANDARD"
	case "STANDARD_IA":
		return "STANDARD_IA"
	case "Version":
		return "Version"
	case "DeleteMarker":
		return "DeleteMarker"
	case "true":
		return "true"
	case "false":
		return "false"
	case "":
		return ""
	}
	return string(b)
}
