package labs

import (
	"fmt"
	"slices"
)

// Namespaces lists, sorted, the namespaces a lab's objects use: its own
// namespace, the Namespaces its manifests create and those its objects
// name (setup, solution, correct and wrong answers). default is left out:
// only wrong answers put objects there, and nothing resets it. Manifests
// that do not decode are skipped (Lint reports them).
func Namespaces(l *Lab, decode ManifestDecoder) []string {
	used := map[string]bool{}
	if l.Namespace != "" {
		used[l.Namespace] = true
	}
	texts := []string{l.Setup.Manifests, l.Solution.Manifests}
	for _, c := range l.Correct {
		texts = append(texts, c.Manifests)
	}
	for _, w := range l.Wrong {
		texts = append(texts, w.Manifests)
	}
	for _, text := range texts {
		objs, err := decode("manifests", text)
		if err != nil {
			continue
		}
		for _, o := range objs {
			switch {
			case o.Kind == "Namespace":
				used[o.Name] = true
			case o.Namespace != "":
				used[o.Namespace] = true
			}
		}
	}
	delete(used, "default")
	out := make([]string, 0, len(used))
	for ns := range used {
		out = append(out, ns)
	}
	slices.Sort(out)
	return out
}

// AllNamespaces is Namespaces over every variant of a lab with
// parameters: the renderings that together use every pool value of every
// parameter (see coverVariants), so a namespace written {{ns}} counts with
// each of its values.
func AllNamespaces(l *Lab, decode ManifestDecoder) []string {
	used := map[string]bool{}
	for _, v := range l.coverVariants() {
		for _, ns := range Namespaces(v, decode) {
			used[ns] = true
		}
	}
	out := make([]string, 0, len(used))
	for ns := range used {
		out = append(out, ns)
	}
	slices.Sort(out)
	return out
}

// NamespaceClashes warns about each lab of added that uses a namespace a
// lab of base or an earlier lab of added uses, in any variant
// (AllNamespaces). A live exam sets its tasks
// up side by side on one cluster and resets each task's namespaces before
// applying its setup, so two such labs drawn into one exam would wipe each
// other's setup.
func NamespaceClashes(base, added []*Lab, decode ManifestDecoder) []Diagnostic {
	owner := map[string]*Lab{}
	for _, l := range base {
		for _, ns := range AllNamespaces(l, decode) {
			if owner[ns] == nil {
				owner[ns] = l
			}
		}
	}
	var out []Diagnostic
	for _, l := range added {
		if l == nil {
			continue
		}
		for _, ns := range AllNamespaces(l, decode) {
			if other := owner[ns]; other != nil && other.ID != l.ID {
				out = append(out, Diagnostic{
					File: l.Source, Line: l.Line("namespace"), Lab: l.ID, Severity: SeverityWarning,
					Message: fmt.Sprintf("namespace %s is also used by lab %s: an exam with both would reset one task's setup while setting up the other; give each lab namespaces of its own", ns, other.ID),
				})
				continue
			}
			owner[ns] = l
		}
	}
	return out
}
