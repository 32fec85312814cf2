package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// With --json every error is one JSON object on stdout, exit 2; file and
// line are filled when the problem is in a file.
func TestJSONErrors(t *testing.T) {
	pack := t.TempDir()
	os.WriteFile(filepath.Join(pack, "a.toml"), []byte("id = \"x\"\ntitle = 3\n"), 0o644)
	twoBad := t.TempDir()
	os.WriteFile(filepath.Join(twoBad, "a.toml"), []byte("id = \"x\"\ntitle = 3\n"), 0o644)
	os.WriteFile(filepath.Join(twoBad, "b.toml"), []byte("id = \"y\"\n\n\nbogus = [\n"), 0o644)
	answers := t.TempDir()
	os.WriteFile(filepath.Join(answers, "answer.yaml"), []byte("apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n  labels: {env: yes}\n"), 0o644)
	type want struct {
		message, hint, file string
		line, problems      int
	}
	tests := []struct {
		name string
		args []string
		want want
	}{
		{"lab file", []string{"--labs", pack, "labs", "--json"},
			want{message: "a.toml:2: title: want a string", file: filepath.Join(pack, "a.toml"), line: 2}},
		{"several lab files", []string{"--json", "--labs", twoBad, "labs"},
			want{message: "a.toml:2: title", file: filepath.Join(twoBad, "a.toml"), line: 2, problems: 2}},
		{"manifest", []string{"check", "np-default-deny", "--answers", answers, "--json"},
			want{message: "answer.yaml: document 1 (Service x), line 5", hint: `quote it`, file: filepath.Join(answers, "answer.yaml"), line: 5}},
		{"unknown lab", []string{"show", "no-such-lab", "--json"}, want{message: `unknown lab "no-such-lab"`}},
		{"unknown flag before --json", []string{"labs", "--bogus", "--json"}, want{message: "unknown flag: --bogus"}},
		{"bad value", []string{"labs", "--json=true", "--domain", "storage"}, want{message: "want services, ingress or networkpolicy"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := run(t, t.TempDir(), tt.args...)
			if code != ExitError || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			var got struct {
				Error *struct {
					Message, Hint, File string
					Line                int
					Problems            []map[string]any
				}
			}
			dec := json.NewDecoder(strings.NewReader(out))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&got); err != nil || got.Error == nil || dec.More() {
				t.Fatalf("stdout is not one error object: %v\n%s", err, out)
			}
			e := got.Error
			if !strings.Contains(e.Message, tt.want.message) || !strings.Contains(e.Hint, tt.want.hint) || e.File != tt.want.file || e.Line != tt.want.line || len(e.Problems) != tt.want.problems {
				t.Fatalf("error %+v, want %+v\n%s", *e, tt.want, out)
			}
			if tt.want.hint != "" && strings.Contains(e.Message, tt.want.hint) {
				t.Errorf("the hint is also in the message: %q", e.Message)
			}
			// Empty fields are left out.
			for _, k := range []string{"hint", "file", "line"} {
				if strings.Contains(out, `"`+k+`": ""`) || strings.Contains(out, `"`+k+`": 0`) {
					t.Errorf("empty %s printed: %s", k, out)
				}
			}
		})
	}
	// Without --json the error stays text on stderr.
	out, errOut, code := run(t, t.TempDir(), "show", "no-such-lab")
	if code != ExitError || out != "" || !strings.HasPrefix(errOut, "ckadlab: unknown lab") {
		t.Fatalf("text error: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestJSONInArgs(t *testing.T) {
	for args, want := range map[string]bool{
		"labs --json": true, "--json=true labs": true, "--json=false labs": false, "labs": false,
		"reach -- --json": false, "--json=maybe": false,
	} {
		if got := jsonInArgs(strings.Fields(args)); got != want {
			t.Errorf("%q: %v, want %v", args, got, want)
		}
	}
}

// runErr runs a command that should fail and returns its error text: the
// message of the JSON error object on stdout with --json (which must then
// be all of stdout), stderr otherwise.
func runErr(t *testing.T, home string, args ...string) (string, int) {
	t.Helper()
	out, errOut, code := run(t, home, args...)
	if !jsonInArgs(args) {
		if out != "" && code == ExitError {
			t.Errorf("%v: output on stdout next to the error: %q", args, out)
		}
		return errOut, code
	}
	var v struct{ Error struct{ Message string } }
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.Error.Message == "" {
		t.Errorf("%v: stdout is not a JSON error: %v %q", args, err, out)
	}
	return v.Error.Message, code
}
