package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ckadlab/ckadlab/checker"
	"github.com/ckadlab/ckadlab/cluster/offline"
	"github.com/ckadlab/ckadlab/content"
	"github.com/ckadlab/ckadlab/inspect"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/manifest"
)

var kubectlSpan = regexp.MustCompile("`(kubectl [^`]+)`")

// TestEveryHintCommandWorksOffline takes every kubectl command a built-in
// lab's task, hints and solution show, renders it for the offline mode and
// runs what became a ckadlab command (get, describe, reach) against the
// lab's offline world (setup + solution): each must succeed and print
// something. A `kubectl edit`/`patch` becomes a `ckadlab get -o yaml` copy,
// which must apply back onto the lab.
func TestEveryHintCommandWorksOffline(t *testing.T) {
	all, err := labs.LoadFSAs(content.FS, ".", "content")
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	ran := map[string]int{}
	for _, l := range all {
		t.Run(l.ID, func(t *testing.T) {
			ws := filepath.Join(t.TempDir(), l.ID)
			if err := os.MkdirAll(ws, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(ws, "solution.yaml"), []byte(l.Solution.Manifests), 0o644); err != nil {
				t.Fatal(err)
			}
			var cmds []string
			for _, s := range append([]string{l.Task, l.Solution.Explanation}, l.Hints...) {
				for _, m := range kubectlSpan.FindAllStringSubmatch(s, -1) {
					cmds = append(cmds, m[1])
				}
			}
			cmds = append(cmds, l.Solution.Commands...)
			mode := inspect.Mode{Offline: true, Lab: l.ID, Workspace: ws}
			for _, c := range cmds {
				line := mode.Line(c)
				if strings.HasPrefix(strings.TrimSpace(c), "kubectl") && (strings.Contains(c, " get ") || strings.Contains(c, " describe ")) &&
					!strings.HasPrefix(line, "ckadlab ") {
					t.Errorf("%q is shown offline as %q, not as a ckadlab command", c, line)
					continue
				}
				if !strings.HasPrefix(line, "ckadlab get ") && !strings.HasPrefix(line, "ckadlab describe ") && !strings.HasPrefix(line, "ckadlab reach ") {
					continue
				}
				cmdPart, _, _ := strings.Cut(line, "   #")
				words := inspect.SplitArgs(cmdPart)[1:]
				redirect := ""
				for i, w := range words {
					if w == ">" {
						redirect = words[i+1]
						words = words[:i]
						break
					}
				}
				for i, w := range words {
					// A placeholder such as ip:<api-pod-ip> is what the
					// learner fills in from ckadlab get pods -o wide.
					if m := podIPPlaceholder.FindStringSubmatch(w); m != nil {
						words[i] = "ip:" + podIP(t, l, m[1])
					}
				}
				if words[0] != "reach" {
					words = append(words, "--lab", l.ID, "--answers", ws)
				}
				words = append(words, "--cluster", "offline")
				out, errOut, code := run(t, home, words...)
				ran[words[0]]++
				if words[0] == "reach" {
					if code == ExitError {
						t.Errorf("%s\n  → %s: exit %d: %s", c, cmdPart, code, errOut)
					}
					continue
				}
				if code != 0 || strings.TrimSpace(out) == "" {
					t.Errorf("%s\n  → %s: exit %d, %d bytes out: %s", c, cmdPart, code, len(out), errOut)
					continue
				}
				if redirect != "" {
					// The copy an edit starts from must apply as an answer.
					objs, err := manifest.Decode(redirect, []byte(out))
					if err != nil {
						t.Errorf("%s: the copy does not decode: %v", cmdPart, err)
						continue
					}
					setup, _ := checker.SetupObjects(l)
					if _, err := offline.Build(setup, objs, l.Namespace); err != nil {
						t.Errorf("%s: the copy does not apply: %v", cmdPart, err)
					}
				}
			}
		})
	}
	if ran["get"] < 20 || ran["describe"] < 8 || ran["reach"] < 5 {
		t.Errorf("too few commands ran: %v", ran)
	}
	t.Logf("ran %v", ran)
}

var podIPPlaceholder = regexp.MustCompile(`^ip:<([a-z0-9-]+)-pod-ip>$`)

// podIP is the IP of the lab's first pod whose name starts with prefix.
func podIP(t *testing.T, l *labs.Lab, prefix string) string {
	t.Helper()
	setup, err := checker.SetupObjects(l)
	if err != nil {
		t.Fatal(err)
	}
	c, err := offline.Build(setup, nil, l.Namespace)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range c.Objects().Pods {
		if strings.HasPrefix(p.Name, prefix) && p.Status.PodIP != "" {
			return p.Status.PodIP
		}
	}
	t.Fatalf("no pod %s* in lab %s", prefix, l.ID)
	return ""
}
