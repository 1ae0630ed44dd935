package credentials

import (
	"errors"
	"strings"
	"testing"
)

func TestParseINI(t *testing.T) {
	src := "\uFEFF# comment\n" +
		"; another\n" +
		"[default]\n" +
		"aws_access_key_id = AKID   # inline comment\n" +
		"AWS_Secret_Access_Key=se#cret\n" +
		"region: eu-west-1\n" +
		"s3 =\n" +
		"  addressing_style = path\n" +
		"\n" +
		"[profile   dev]  ; trailing comment\n" +
		"role_arn = arn:aws:iam::123456789012:role/dev\r\n" +
		"[default]\n" +
		"output = json\n"
	f, err := parseINI("cfg", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	def := f.section("default")
	for key, want := range map[string]string{
		"aws_access_key_id":     "AKID",
		"aws_secret_access_key": "se#cret", // '#' without whitespace before it is data
		"region":                "eu-west-1",
		"s3.addressing_style":   "path",
		"output":                "json", // a repeated section merges
	} {
		if v, _ := def.get(key); v.value != want {
			t.Errorf("%s = %q, want %q", key, v.value, want)
		}
	}
	if v, _ := def.get("aws_access_key_id"); v.line != 4 {
		t.Errorf("line = %d, want 4", v.line)
	}
	if v, _ := f.section("profile dev").get("role_arn"); v.value != "arn:aws:iam::123456789012:role/dev" {
		t.Errorf("role_arn = %q", v.value)
	}
}

func TestParseINIErrors(t *testing.T) {
	for _, tc := range []struct {
		src  string
		line int
		want string
	}{
		{"[default\nk = v\n", 1, "closing ']'"},
		{"k = v\n", 1, "before any [section]"},
		{"[a]\nk = v\njust-a-secret-looking-line\n", 3, "expected \"key = value\""},
		{"[]\n", 1, "empty section"},
		{"[a] junk\n", 1, "after the section header"},
	} {
		_, err := parseINI("/home/u/.aws/credentials", []byte(tc.src))
		var fe *FileError
		if !errors.As(err, &fe) {
			t.Errorf("%q: err = %v, want *FileError", tc.src, err)
			continue
		}
		if fe.Line != tc.line || fe.Path != "/home/u/.aws/credentials" || !strings.Contains(fe.Error(), tc.want) {
			t.Errorf("%q: %v, want line %d and %q", tc.src, fe, tc.line, tc.want)
		}
		if !strings.Contains(fe.Error(), "/home/u/.aws/credentials:") {
			t.Errorf("error does not name file:line: %v", fe)
		}
		assertNoSecret(t, "error", fe.Error(), "just-a-secret-looking-line")
	}
}

func TestParseFlatYAML(t *testing.T) {
	src := "---\n" +
		"# QingStor services configuration\n" +
		"access_key_id: 'AK''ID'\n" +
		"secret_access_key: \"se\\\"c#ret\\u0041\"  # comment\n" +
		"host: qingstor.com # comment\n" +
		"port: 443\n" +
		"protocol: https\n" +
		"additional_user_agent: \"\"\n" +
		"timeouts:\n" +
		"  connect: 30\n" +
		"  read: 60\n" +
		"zone: pek3b\n" +
		"empty:\n" +
		"hash: a#b\n"
	y, err := parseFlatYAML("q.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"access_key_id":         "AK'ID",
		"secret_access_key":     "se\"c#retA",
		"host":                  "qingstor.com",
		"port":                  "443",
		"additional_user_agent": "",
		"zone":                  "pek3b",
		"empty":                 "",
		"hash":                  "a#b",
	} {
		v, ferr := y.get(key)
		if ferr != nil || v.value != want {
			t.Errorf("%s = %q (%v), want %q", key, v.value, ferr, want)
		}
	}
	if _, ferr := y.get("timeouts"); ferr == nil || ferr.Line != 9 {
		t.Errorf("a nested block read as a value: %v", ferr)
	}
}

func TestParseFlatYAMLErrors(t *testing.T) {
	for _, tc := range []struct {
		src  string
		line int
		want string
	}{
		{"a: 1\n  b: 2\n", 2, "indentation"},
		{"a: 1\n- x\n", 2, "lists"},
		{"a: 1\nno colon here\n", 2, "expected \"key: value\""},
		{"a: 'open\n", 1, "unterminated single-quoted"},
		{"a: \"open\n", 1, "unterminated double-quoted"},
		{"a: \"bad \\q\"\n", 1, "unsupported escape"},
		{"a: [1, 2]\n", 1, "plain and quoted"},
		{"a:b\n", 1, "space after"},
		{"x: 'v' trailing\n", 1, "after the quoted value"},
	} {
		_, err := parseFlatYAML("/home/u/.qingstor/config.yaml", []byte(tc.src))
		var fe *FileError
		if !errors.As(err, &fe) {
			t.Errorf("%q: err = %v, want *FileError", tc.src, err)
			continue
		}
		if fe.Line != tc.line || !strings.Contains(fe.Error(), tc.want) || !strings.Contains(fe.Error(), "/home/u/.qingstor/config.yaml:") {
			t.Errorf("%q: %v, want line %d and %q", tc.src, fe, tc.line, tc.want)
		}
	}
}

func TestDecodeJSONFileLine(t *testing.T) {
	err := decodeJSONFile("/x/default.credential", []byte("{\n  \"secretId\": \"a\",\n  \"secretKey\": \"b\"\n  \"token\": \"c\"\n}\n"), &tccliCredential{})
	var fe *FileError
	if !errors.As(err, &fe) || fe.Line != 4 {
		t.Fatalf("err = %v, want a FileError on line 4", err)
	}
	err = decodeJSONFile("/x/default.credential", []byte("{\"secretId\": 12}"), &tccliCredential{})
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "secretId") {
		t.Errorf("type error: %v", err)
	}
}
