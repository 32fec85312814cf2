package labs

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// Catalog is the set of labs the app offers: the built-in labs plus any
// --labs DIR packs, with unique ids.
type Catalog struct {
	labs []*Lab // sorted: domain (Domains order), difficulty, id
	byID map[string]*Lab
}

// NewCatalog merges lab lists (built-in first, then packs). A lab id used
// twice is an error naming both files.
func NewCatalog(packs ...[]*Lab) (*Catalog, error) {
	c := &Catalog{byID: map[string]*Lab{}}
	var errs ErrorList
	for _, pack := range packs {
		for _, l := range pack {
			if l == nil {
				continue
			}
			if first, dup := c.byID[l.ID]; dup {
				errs = append(errs, &Error{
					File: l.Source, Line: max(l.Line("id"), 1), Key: "id",
					Msg: fmt.Sprintf("duplicate lab id %q: also in %s:%d", l.ID, first.Source, max(first.Line("id"), 1)),
				})
				continue
			}
			c.byID[l.ID] = l
			c.labs = append(c.labs, l)
		}
	}
	if len(errs) > 0 {
		errs.Sort()
		return nil, errs
	}
	sort.SliceStable(c.labs, func(i, j int) bool { return labLess(c.labs[i], c.labs[j]) })
	return c, nil
}

func labLess(a, b *Lab) bool {
	if da, db := domainRank(a.Domain), domainRank(b.Domain); da != db {
		return da < db
	}
	if da, db := difficultyRank(a.Difficulty), difficultyRank(b.Difficulty); da != db {
		return da < db
	}
	return a.ID < b.ID
}

func domainRank(d Domain) int {
	for i, x := range Domains {
		if x == d {
			return i
		}
	}
	return len(Domains)
}

func difficultyRank(s string) int {
	for i, x := range Difficulties {
		if x == s {
			return i
		}
	}
	return len(Difficulties)
}

// Len is the number of labs.
func (c *Catalog) Len() int { return len(c.labs) }

// All returns every lab, by domain (services, ingress, networkpolicy), then
// difficulty (easy to hard), then id. The slice is a copy.
func (c *Catalog) All() []*Lab { return append([]*Lab(nil), c.labs...) }

// UnknownLabError is returned by Get for an id no lab has.
type UnknownLabError struct {
	ID         string
	Suggestion string // closest id, or ""
}

func (e *UnknownLabError) Error() string {
	if e.Suggestion != "" {
		return fmt.Sprintf("unknown lab %q (did you mean %q?)", e.ID, e.Suggestion)
	}
	return fmt.Sprintf("unknown lab %q (`ckadlab labs` lists them)", e.ID)
}

// Get returns the lab with that id, or an *UnknownLabError suggesting the
// closest id.
func (c *Catalog) Get(id string) (*Lab, error) {
	if l, ok := c.byID[id]; ok {
		return l, nil
	}
	ids := make([]string, len(c.labs))
	for i, l := range c.labs {
		ids[i] = l.ID
	}
	s := suggest(id, ids)
	if s == "" {
		// A unique id containing what was typed ("basic" → "np-basic").
		var hits []string
		for _, x := range ids {
			if id != "" && strings.Contains(x, strings.ToLower(id)) {
				hits = append(hits, x)
			}
		}
		if len(hits) == 1 {
			s = hits[0]
		}
	}
	return nil, &UnknownLabError{ID: id, Suggestion: s}
}

// GetVariant returns variant n of the lab with that id (Get, then
// Lab.Variant).
func (c *Catalog) GetVariant(id string, n uint64) (*Lab, error) {
	l, err := c.Get(id)
	if err != nil {
		return nil, err
	}
	return l.Variant(n)
}

// Filter returns the labs (in All order) matching every non-empty
// criterion: domain (read with ParseDomain, so short forms such as
// "netpol" work; an unknown domain matches nothing), difficulty, tag
// (case-insensitive, exact) and text (case-insensitive substring of the
// id, title, tags or task).
func (c *Catalog) Filter(domain Domain, difficulty, tag, text string) []*Lab {
	var want Domain
	if domain != "" {
		d, err := ParseDomain(string(domain))
		if err != nil {
			return nil
		}
		want = d
	}
	text = strings.ToLower(strings.TrimSpace(text))
	var out []*Lab
	for _, l := range c.labs {
		if want != "" && l.Domain != want {
			continue
		}
		if difficulty != "" && !strings.EqualFold(l.Difficulty, strings.TrimSpace(difficulty)) {
			continue
		}
		if tag != "" && !hasTag(l, tag) {
			continue
		}
		if text != "" && !matchesText(l, text) {
			continue
		}
		out = append(out, l)
	}
	return out
}

func hasTag(l *Lab, tag string) bool {
	for _, t := range l.Tags {
		if strings.EqualFold(t, strings.TrimSpace(tag)) {
			return true
		}
	}
	return false
}

func matchesText(l *Lab, text string) bool {
	fields := append([]string{l.ID, l.Title, l.Task}, l.Tags...)
	for _, f := range fields {
		if strings.Contains(strings.ToLower(f), text) {
			return true
		}
	}
	return false
}

// ParseDomain reads a domain name, accepting common short forms:
// service/svc, ing, netpol/np/network-policy.
func ParseDomain(s string) (Domain, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "services", "service", "svc":
		return Services, nil
	case "ingress", "ingresses", "ing":
		return Ingress, nil
	case "networkpolicy", "networkpolicies", "netpol", "np", "network-policy", "network-policies":
		return NetworkPolicy, nil
	}
	return "", fmt.Errorf("unknown domain %q: want services, ingress or networkpolicy", s)
}

// ErrEmptyPack is wrapped by LoadPack's error for a directory without lab
// files.
var ErrEmptyPack = errors.New("no lab files (*.toml)")

// LoadPack loads a lab pack (LoadDir): a directory without any *.toml
// file is an error wrapping ErrEmptyPack, not an empty pack.
func LoadPack(dir string) ([]*Lab, error) {
	list, err := LoadDir(dir)
	if err != nil {
		var el ErrorList
		if errors.As(err, &el) && len(el) > 0 {
			return list, err // problems in lab files: the pack is not empty
		}
		return nil, fmt.Errorf("lab pack %s: %w", dir, err)
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("lab pack %s: %w in this directory (a pack is a directory of lab files; see content/README.md)", dir, ErrEmptyPack)
	}
	return list, nil
}

// UniqueDirs drops the directories that name one already in the list,
// whatever the spelling (relative, with .., through a symlink), keeping
// the first spelling of each. A directory that cannot be resolved is kept
// as given (loading it says why).
func UniqueDirs(dirs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, d := range dirs {
		key := d
		if abs, err := filepath.Abs(d); err == nil {
			key = abs
			if real, err := filepath.EvalSymlinks(abs); err == nil {
				key = real
			}
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, d)
	}
	return out
}
