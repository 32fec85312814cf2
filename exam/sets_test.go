package exam

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/manifest"
)

func decode(name, text string) ([]labs.ObjectInfo, error) {
	objs, err := manifest.Decode(name, []byte(text))
	if err != nil {
		return nil, err
	}
	out := make([]labs.ObjectInfo, len(objs))
	for i, o := range objs {
		out[i] = labs.ObjectInfo{Kind: o.Kind, Namespace: o.Namespace, Name: o.Name}
	}
	return out, nil
}

// setMarkdown is the README's table of a set.
func setMarkdown(s Set, p Plan, lookup func(string) (*labs.Lab, error)) string {
	var b strings.Builder
	minutes := 0
	fmt.Fprintf(&b, "| # | Lab | Domain | Weight |\n|---:|---|---|---:|\n")
	w := p.Weights()
	for i, t := range p.Tasks {
		l, _ := lookup(t.ID)
		minutes += l.Minutes
		fmt.Fprintf(&b, "| %d | `%s` | %s | %d%% |\n", i+1, t.ID, t.Domain.Title(), w[i])
	}
	fmt.Fprintf(&b, "\n`ckadlab exam --set %d`: seed %d, %d tasks in 2 hours (the labs' time estimates add up to %d minutes)\n", s.Number, s.Seed, len(p.Tasks), minutes)
	return b.String()
}

// Each published set is balanced over the three competencies, fits two
// hours, has a troubleshooting task, and its tasks do not share
// namespaces (a live exam sets them up side by side).
func TestSetsAreBalanced(t *testing.T) {
	all := builtIn(t)
	lookup := lookupIn(all)
	if len(Sets) != 3 {
		t.Fatalf("%d sets, want 3", len(Sets))
	}
	for _, s := range Sets {
		t.Run(fmt.Sprint(s.Number), func(t *testing.T) {
			p, err := s.Plan(all)
			if err != nil {
				t.Fatal(err)
			}
			if p.Set != s.Number || p.Seed != s.Seed || len(p.Tasks) != len(s.Labs) || len(p.Tasks) < 15 || len(p.Tasks) > 20 {
				t.Fatalf("plan %+v", p)
			}
			per := perDomain(p)
			minutes, troubleshooting := 0, 0
			ns := map[string]string{}
			for _, task := range p.Tasks {
				l, _ := lookup(task.ID)
				minutes += l.Minutes
				for _, tag := range l.Tags {
					if tag == "troubleshooting" {
						troubleshooting++
					}
				}
				for _, n := range labs.Namespaces(l, decode) {
					if other, ok := ns[n]; ok {
						t.Errorf("%s and %s both use namespace %s", other, l.ID, n)
					}
					ns[n] = l.ID
				}
			}
			lo, hi := len(p.Tasks), 0
			for _, d := range labs.Domains {
				lo, hi = min(lo, per[d]), max(hi, per[d])
			}
			if hi-lo > 1 {
				t.Errorf("unbalanced: %v", per)
			}
			if minutes > 150 || minutes < 90 {
				t.Errorf("%d minutes of estimated work does not fit a 2-hour exam", minutes)
			}
			if troubleshooting == 0 {
				t.Error("no troubleshooting task")
			}
			sum := 0
			for _, w := range p.Weights() {
				sum += w
			}
			if sum != 100 {
				t.Errorf("weights add up to %d", sum)
			}
		})
	}
}

// A set is the same exam every time, whatever else the bank holds, and
// the README publishes exactly it.
func TestSetsAreStableAndPublished(t *testing.T) {
	all := builtIn(t)
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	extra := append([]*labs.Lab{{ID: "svc-zz-new", Domain: labs.Services, Difficulty: labs.Easy, Namespace: "zz"}}, all...)
	for _, s := range Sets {
		p, err := s.Plan(all)
		if err != nil {
			t.Fatal(err)
		}
		again, err := s.Plan(extra)
		if err != nil || !reflect.DeepEqual(p, again) {
			t.Fatalf("set %d changed with a new lab in the bank:\n%+v\n%+v", s.Number, p, again)
		}
		e, err := New("e", p, lookupIn(all), func(k string) string { return k }, "offline", start, DefaultDuration)
		if err != nil || e.Set != s.Number {
			t.Fatalf("set %d: %v", s.Number, err)
		}
		if md := setMarkdown(s, p, lookupIn(all)); !strings.Contains(string(readme), md) {
			t.Errorf("README.md does not publish set %d as it is; it should read:\n%s", s.Number, md)
		}
	}
	if _, err := FindSet(4); err == nil || !strings.Contains(err.Error(), "1, 2 or 3") {
		t.Fatalf("FindSet(4): %v", err)
	}
	if _, err := (Set{Number: 9, Labs: []string{"nope"}}).Plan(all); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("a set with a missing lab: %v", err)
	}
}
