package class

import (
	"strings"
	"testing"
	"time"
)

func TestNewClass(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		class    string
		learners []string
		err      string // substring; "" = valid
	}{
		{"three learners", "ws1", []string{"alice", "bob", "carol"}, ""},
		{"spaces trimmed", "ws1", []string{" alice", "bob "}, ""},
		{"no learners", "ws1", nil, "has no learners"},
		{"duplicate", "ws1", []string{"alice", "alice"}, "listed twice"},
		{"upper case", "ws1", []string{"Alice"}, "not a lowercase DNS label"},
		{"starts with a digit", "ws1", []string{"1bob"}, "not a lowercase DNS label"},
		{"too long", "ws1", []string{strings.Repeat("a", MaxLearnerName+1)}, "longer than"},
		{"prefix clash", "ws1", []string{"al", "al-ice"}, "clash"},
		{"prefix without dash is fine", "ws1", []string{"al", "alice"}, ""},
		{"bad class name", "WS", []string{"alice"}, "class name"},
		{"empty class name", "", []string{"alice"}, "class name is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClass(tt.class, tt.learners, now)
			if tt.err == "" {
				if err != nil {
					t.Fatalf("error %v", err)
				}
				for i, l := range c.Learners {
					if l.Index != i || strings.TrimSpace(l.Name) != l.Name {
						t.Errorf("learner %d: %+v", i, l)
					}
				}
				if c.Quota != DefaultQuota || !c.Created.Equal(now) {
					t.Errorf("quota %+v created %v", c.Quota, c.Created)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("error %v, want one containing %q", err, tt.err)
			}
		})
	}
}

func TestNames(t *testing.T) {
	c, err := NewClass("ws1", []string{"alice", "bob"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if c.Namespace() != "ckadlab-class-ws1" || Home("alice") != "alice-ckadlab" {
		t.Errorf("namespace %s home %s", c.Namespace(), Home("alice"))
	}
	if l, ok := c.Learner("bob"); !ok || l.Index != 1 {
		t.Errorf("Learner(bob) = %+v, %v", l, ok)
	}
	if _, ok := c.Learner("mallory"); ok {
		t.Error("found a learner not in the roster")
	}
	if k := ResultKey(&Record{Lab: "np-allow-app"}); k != "lab.np-allow-app" {
		t.Errorf("lab key %s", k)
	}
	if k := ResultKey(&Record{Lab: "np-allow-app", Exam: "e1", Task: 3}); k != "exam.e1.3" {
		t.Errorf("exam key %s", k)
	}
	e := Exam{Start: time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC), Duration: 2 * time.Hour}
	if !e.Deadline().Equal(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("deadline %v", e.Deadline())
	}
}
