package labs

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/BurntSushi/toml"
	"github.com/ckadlab/ckadlab/probe"
)

func TestLoadValidFile(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "np.toml", validLab)
	lab, err := loadFile(t, file)
	if err != nil {
		t.Fatal(err)
	}
	if lab.ID != "np-basic" || lab.Domain != NetworkPolicy || lab.Points != 10 || lab.Source != file {
		t.Errorf("header: %+v", lab)
	}
	if !strings.Contains(lab.Task, "[not a table]") {
		t.Errorf("task lost its text: %q", lab.Task)
	}
	if got := lab.Checks[0].Resource.Namespace; got != "shop" {
		t.Errorf("resource namespace defaults to the lab's, got %q", got)
	}
	wantSpec := probe.Spec{
		From:     probe.Source{Kind: probe.FromPod, Namespace: "shop", Name: "db"},
		To:       probe.Target{Kind: probe.ToService, Namespace: "shop", Name: "db"},
		Port:     probe.Port{Number: 6379},
		Protocol: probe.TCP,
	}
	if got := lab.Checks[1].Probe.Spec; !reflect.DeepEqual(got, wantSpec) {
		t.Errorf("Spec = %+v, want %+v", got, wantSpec)
	}
	if lab.Checks[1].Probe.ExpectAllow() {
		t.Error("expect deny")
	}
	if got := lab.Line("checks[1].probe.port"); got != 59 {
		t.Errorf("Line = %d", got)
	}
	if got := lab.TextLine("setup.manifests"); got != 17 {
		t.Errorf("TextLine = %d", got)
	}
}

// TestLoadErrors covers each class of error with its exact file:line. Each
// case edits validLab (see its layout in fixture_test.go).
func TestLoadErrors(t *testing.T) {
	type change struct{ old, new string }
	tests := []struct {
		name    string
		changes []change
		want    []string // without the "np.toml:" prefix
	}{
		{
			name: "requires: unknown, self, cycle",
			changes: []change{
				{`probe.expect = "deny"`, `probe.expect = "deny"` + "\nrequires = [\"polcy\", \"policy\", \"deny-other\"]"},
				{"[checks.resource]\n", "requires = [\"deny-other\"]\n[checks.resource]\n"},
			},
			want: []string{
				`62: requires names unknown check "polcy" (did you mean "policy"?)`,
				`62: check "deny-other" requires itself`,
				`62: requirements form a cycle: policy -> deny-other -> policy`,
			},
		},
		{
			name: "selects: kind, pods",
			changes: []change{
				{"[checks.resource]\nkind = \"NetworkPolicy\"\nname = \"db\"\n[[checks.resource.fields]]\npath = \"spec.policyTypes\"\ncontains = \"Ingress\"\n",
					"[checks.selects]\nkind = \"Ingress\"\nname = \"db\"\npods = [\"db\"]\nnot_pods = [\"shop/db\", \"shop/db\"]\n"},
			},
			want: []string{
				`47: kind "Ingress": a selects check reads the pod selector of a NetworkPolicy or a Service`,
				`49: pods entry "db": want NS/POD or deployment:NS/NAME`,
				`50: shop/db is listed twice (also in not_pods)`,
			},
		},
		{
			name:    "correct and equivalent need their keys",
			changes: []change{{"[[wrong]]\n", "[[correct]]\nname = \"no-policy\"\n\n[[equivalent]]\nmutant = \"x\"\n\n[[wrong]]\n"}},
			want: []string{
				`37: missing key "correct.manifests"`,
				`38: correct answer "no-policy" has the name of a wrong answer`,
				`40: missing key "equivalent.reason"`,
			},
		},
		{
			name:    "TOML syntax error",
			changes: []change{{`minutes = 8`, `minutes = 8 8`}},
			want:    []string{`6: TOML syntax: expected a top-level item to end with a newline, comment, or EOF, but got '8' instead`},
		},
		{
			name:    "TOML duplicate key",
			changes: []change{{`probe.expect = "deny"`, `probe.expect = "deny"` + "\nprobe.expect = \"allow\""}},
			want:    []string{`61: TOML syntax: Key 'checks.probe.expect' has already been defined.`},
		},
		{
			name: "unknown keys with suggestions",
			changes: []change{
				{`title =`, `titel =`},
				{`probe.port = 6379`, `probe.port = 6379` + "\nprobe.prot = \"TCP\""},
				{`contains = "Ingress"`, `contain = "Ingress"`},
			},
			want: []string{
				`2: unknown key "titel" (did you mean "title"?)`,
				`51: unknown key "checks.resource.fields.contain" (did you mean "contains"?)`,
				`60: unknown key "checks.probe.prot" (did you mean "protocol"?)`,
			},
		},
		{
			name: "lab files cannot run commands",
			changes: []change{
				{"[setup]\n", "[setup]\ncommands = [\"kubectl delete ns shop\"]\n"},
				{`id = "np-basic"`, `id = "np-basic"` + "\nexec = \"rm -rf /\""},
			},
			want: []string{
				`2: unknown key "exec"`,
				`17: unknown key "setup.commands"`,
			},
		},
		{
			name: "wrong types, all of them",
			changes: []change{
				{`points = 10`, `points = "10"`},
				{`tags = ["podSelector", "default-deny"]`, `tags = ["podSelector", 3]`},
				{`hints = ["Select the db pods with podSelector."]`, `hints = "Select the db pods"`},
				{"\n[solution]\n", "\n[solution.commands]\n"},
				{`points = 6`, `points = 6.5`},
				{`name = "db"`, `name = { x = 1 }`},
			},
			want: []string{
				`5: points: want an integer, found a string ("10")`,
				`7: tags[1]: want a string, found an integer (3)`,
				`13: hints: want an array of strings, found a string ("Select the db pods")`,
				`29: solution.commands: want an array of strings, found a table`,
				`48: checks.resource.name: want a string, found a table`,
				`55: checks.points: want an integer, found a float (6.5)`,
			},
		},
		{
			name: "header validation",
			changes: []change{
				{`id = "np-basic"`, `id = "NP_basic"`},
				{`domain = "networkpolicy"`, `domain = "networkpolicies"`},
				{`difficulty = "easy"`, `difficulty = "hrad"`},
				{`minutes = 8`, `minutes = 0`},
				{`namespace = "shop"`, `namespace = "Shop"`},
				{`hints = ["Select the db pods with podSelector."]`, `hints = []`},
			},
			want: []string{
				`1: id "NP_basic": use lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters`,
				`3: domain "networkpolicies": want services, ingress or networkpolicy (did you mean "networkpolicy"?)`,
				`4: difficulty "hrad": want easy, medium or hard (did you mean "hard"?)`,
				`6: minutes must be > 0, not 0`,
				`8: namespace "Shop": use lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters`,
				`13: at least one hint is required (hints = ["..."])`,
			},
		},
		{
			name: "missing and empty required keys",
			changes: []change{
				{"title = \"Only the frontend reaches the database\"\n", ""},
				{"task = \"\"\"\nAllow traffic to the db pod only from frontend pods.\n[not a table]\n\"\"\"", `task = "  "`},
				{`commands = ["kubectl apply -f policy.yaml"]`, `commands = []`},
				{"'''\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: db, namespace: shop}\n'''", `''`},
			},
			want: []string{
				`1: missing key "title"`,
				`8: task must not be empty`,
				`26: solution.commands must list at least one command (shown to the learner, never run)`,
				`27: solution.manifests must not be empty`,
			},
		},
		{
			name:    "points must equal the sum of the checks",
			changes: []change{{`points = 10`, `points = 12`}},
			want:    []string{`5: points is 12 but the checks add up to 10`},
		},
		{
			name: "check rules",
			changes: []change{
				{`id = "policy"`, `id = "deny-other"`},
				{`points = 4`, `points = 0`},
				{`description = "Other pods are denied"`, `description = ""`},
				{`points = 10`, `points = 6`},
			},
			want: []string{
				`44: checks.points must be > 0, not 0`,
				`54: duplicate check id "deny-other" (first used by checks[0])`,
				`56: checks.description must not be empty`,
			},
		},
		{
			name: "a check is exactly one of resource and probe",
			changes: []change{
				{"[checks.resource]\nkind = \"NetworkPolicy\"\nname = \"db\"\n[[checks.resource.fields]]\npath = \"spec.policyTypes\"\ncontains = \"Ingress\"\n", ""},
				{`probe.expect = "deny"`, "probe.expect = \"deny\"\n[checks.resource]\nkind = \"Pod\"\nname = \"db\""},
			},
			want: []string{
				`42: check "policy" needs a resource, selects or probe table`,
				`47: check "deny-other" has resource and probe: a check is exactly one of resource, selects or probe`,
			},
		},
		{
			name: "resource and field assertions",
			changes: []change{
				{`kind = "NetworkPolicy"`, `kind = "network policy"`},
				{`name = "db"`, `name = "DB"` + "\nnamespace = \"Prod\""},
				{`path = "spec.policyTypes"`, `path = "spec..policyTypes"`},
				{`contains = "Ingress"`, "contains = \"Ingress\"\nmatches = \"(\"\n[[checks.resource.fields]]\npath = \"spec.x\"\n[[checks.resource.fields]]\npath = \"spec.y\"\nequals = 1.5\n[[checks.resource.fields]]\npath = \"spec.z\"\ncontains = \"\""},
			},
			want: []string{
				`47: kind "network policy": want a Kubernetes kind such as Service, Ingress or NetworkPolicy`,
				`48: name "DB": want a Kubernetes object name (lower-case letters, digits, '-' and '.')`,
				`49: namespace "Prod": use lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters`,
				`50: field "spec..policyTypes" has contains and matches: use exactly one of equals, contains, exists or matches`,
				`51: field path "spec..policyTypes": empty field name (at character 6)`,
				"53: matches \"(\": error parsing regexp: missing closing ): `(`",
				`54: field "spec.x" needs one of equals, contains, exists or matches`,
				`58: equals: want a string, an integer or true/false, found a float (1.5)`,
				`61: contains must not be empty`,
			},
		},
		{
			name: "absent objects have no fields; cluster-scoped kinds no namespace",
			changes: []change{
				{`name = "db"`, "name = \"db\"\nabsent = true"},
				{`probe.expect = "deny"`, "probe.expect = \"deny\"\n[[checks]]\nid = \"ns\"\npoints = 1\ndescription = \"d\"\nresource = { kind = \"Namespace\", name = \"shop\", namespace = \"shop\" }"},
			},
			want: []string{
				`5: points is 10 but the checks add up to 11`,
				`50: an absent object has no fields: remove absent = true or the fields`,
				`66: Namespace is cluster-scoped: remove namespace`,
			},
		},
		{
			name: "probe values",
			changes: []change{
				{`probe.from = "shop/db"`, `probe.from = "shop"`},
				{`probe.to = "svc:shop/db"`, `probe.to = "service:shop/db"`},
				{`probe.port = 6379`, `probe.port = 70000` + "\nprobe.protocol = \"icmp\""},
				{`probe.expect = "deny"`, `probe.expect = "denied"`},
			},
			want: []string{
				`57: from: source "shop": want NS/POD, ip:ADDR or external`,
				`58: to: target "service:shop/db": want NS/POD, svc:NS/NAME, dns:NAME, ip:ADDR, nodeport:N, lb:NS/NAME or ingress:HOST/PATH`,
				`59: port: port 70000: want 1-65535`,
				`60: protocol: protocol "icmp": want TCP, UDP or SCTP`,
				`61: expect "denied": want "allow" or "deny" (did you mean "deny"?)`,
			},
		},
		{
			name: "probe ports",
			changes: []change{
				{"probe.port = 6379\n", ""},
				{`probe.expect = "deny"`, "probe.expect = \"deny\"\n" +
					"[[checks]]\nid = \"named\"\npoints = 1\ndescription = \"d\"\nprobe = { from = \"shop/a\", to = \"svc:shop/db\", port = \"redis\", expect = \"allow\" }\n" +
					"[[checks]]\nid = \"np\"\npoints = 1\ndescription = \"d\"\nprobe = { from = \"external\", to = \"nodeport:30080\", port = 30081, expect = \"allow\" }\n" +
					"[[checks]]\nid = \"ing\"\npoints = 1\ndescription = \"d\"\nprobe = { from = \"external\", to = \"ingress:shop.example/\", port = 8080, expect = \"allow\" }\n" +
					"[[checks]]\nid = \"dns\"\npoints = 1\ndescription = \"d\"\nprobe = { from = \"external\", to = \"dns:db.shop\", port = true, expect = \"allow\" }"},
				{`points = 10`, `points = 14`},
			},
			want: []string{
				`57: missing key "checks.probe.port" (a port number, or a container port name for a pod target)`,
				`64: port "redis": named ports only work with a pod target (NS/POD); use the number`,
				`69: port 30081 differs from the node port in to = "nodeport:30080": leave port out`,
				`74: port 8080: ingress probes go through the controller's port 80 (default) or 443`,
				`79: a dns: target is resolved by the source pod: from must be NS/POD`,
				`79: port: want a port number or name, found a boolean (true)`,
			},
		},
		{
			name: "http expectations",
			changes: []change{
				{`probe.expect = "deny"`, "probe.expect = \"deny\"\nprobe.protocol = \"udp\"\n" +
					"probe.http = { path = \"healthz\", status = 999, service = \"shop\" }\n" +
					"[[checks]]\nid = \"ing\"\npoints = 1\ndescription = \"d\"\n" +
					"probe = { from = \"external\", to = \"ingress:shop.example/api\", expect = \"allow\", http = { path = \"/x\" } }"},
				{`points = 10`, `points = 11`},
			},
			want: []string{
				`62: http expectations only make sense with expect = "allow"`,
				`62: http needs protocol TCP, not UDP`,
				`62: http.path "healthz" must start with /`,
				`62: http.status 999: want an HTTP status code (100-599)`,
				`62: http.service "shop": want NS/NAME of a Service`,
				`67: an ingress target carries its path (to = "ingress:HOST/PATH"): remove http.path`,
			},
		},
		{
			name: "wrong answers",
			changes: []change{
				{`fails = ["deny-other"]`, `fails = ["deny-othr", "policy", "policy"]` + "\n[[wrong]]\nname = \"no-policy\"\nmanifests = \"\"\nfails = []"},
			},
			want: []string{
				`40: fails names unknown check "deny-othr" (did you mean "deny-other"?)`,
				`40: fails lists "policy" twice`,
				`42: duplicate wrong answer name "no-policy" (first used by wrong[0])`,
				`43: wrong.manifests must not be empty`,
				`44: wrong answer "no-policy" must list the checks it fails (fails = ["check-id"])`,
			},
		},
		{
			name: "no checks and no wrong answers",
			changes: []change{
				{"[[wrong]]\nname = \"no-policy\"\nmanifests = \"# nothing\"\nfails = [\"deny-other\"]\n", ""},
				{validLab[strings.Index(validLab, "[[checks]]"):], ""},
			},
			want: []string{
				`1: at least one check is required ([[checks]])`,
				`1: at least one wrong answer is required ([[wrong]] with name, manifests and fails)`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := validLab
			for _, c := range tt.changes {
				src = edit(t, src, c.old, c.new)
			}
			dir := t.TempDir()
			file := writeFile(t, dir, "np.toml", src)
			lab, err := loadFile(t, file)
			if err == nil {
				t.Fatalf("no error")
			}
			if lab != nil {
				t.Error("a lab with errors must not be returned")
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error is %T, want ErrorList", err)
			}
			want := make([]string, len(tt.want))
			for i, w := range tt.want {
				want[i] = file + ":" + w
			}
			got := strings.Split(err.Error(), "\n")
			if !reflect.DeepEqual(got, want) {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// The loader's unknown keys are exactly those BurntSushi leaves undecoded.
func TestUnknownKeysMatchUndecoded(t *testing.T) {
	src := edit(t, validLab, `probe.port = 6379`, "probe.port = 6379\nprobe.prot = \"TCP\"\nprobe.http.stauts = 200")
	src = edit(t, src, "[setup]\n", "[setup]\nrun = true\n[setup.more]\nx = 1\n[setup]\n")
	src = strings.Replace(src, "\n[setup]\n", "\n", 1) // keep one [setup] header
	var raw map[string]any
	if _, err := toml.Decode(src, &raw); err != nil {
		t.Fatal(err)
	}
	var perrs []pathError
	checkSchema(reflect.TypeOf(Lab{}), raw, "", &perrs)
	ours := map[string]bool{}
	for _, e := range perrs {
		ours[stripIndexes(e.path)] = true
	}
	md, err := toml.Decode(src, &Lab{})
	if err != nil {
		t.Fatal(err)
	}
	theirs := map[string]bool{}
	for _, k := range md.Undecoded() {
		var p string
		for _, part := range k {
			p = childPath(p, part)
		}
		// Undecoded lists the keys inside an unknown table as well.
		if !ours[parentPath(p)] {
			theirs[p] = true
		}
	}
	if !reflect.DeepEqual(ours, theirs) {
		t.Errorf("unknown keys %v, Undecoded %v", sortedKeys(ours), sortedKeys(theirs))
	}
	if len(ours) != 4 {
		t.Errorf("want 4 unknown keys, got %v", sortedKeys(ours))
	}
}

func TestLoadDirAndFS(t *testing.T) {
	second := edit(t, validLab, `id = "np-basic"`, `id = "a-first"`)
	dir := t.TempDir()
	writeFile(t, dir, "b.toml", validLab)
	writeFile(t, dir, "a.toml", second)
	writeFile(t, dir, "notes.md", "not a lab")
	if err := os.Mkdir(filepath.Join(dir, "sub.toml"), 0o755); err != nil {
		t.Fatal(err)
	}
	labs, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(labs) != 2 || labs[0].ID != "a-first" || labs[1].ID != "np-basic" {
		t.Fatalf("labs: %v", labs)
	}
	if labs[1].Source != filepath.Join(dir, "b.toml") {
		t.Errorf("Source = %s", labs[1].Source)
	}

	fsys := fstest.MapFS{
		"content/z.toml":   {Data: []byte(validLab)},
		"content/dup.toml": {Data: []byte(validLab)},
		"content/bad.toml": {Data: []byte(edit(t, second, `points = 10`, `points = 11`))},
		"content/ok.toml":  {Data: []byte(second)},
	}
	labs, err = LoadFSAs(fsys, "content", "content")
	want := "content/bad.toml:5: points is 11 but the checks add up to 10\n" +
		"content/z.toml:1: duplicate lab id \"np-basic\": also in content/dup.toml:1"
	if err == nil || err.Error() != want {
		t.Errorf("LoadFSAs error:\n%v\nwant:\n%s", err, want)
	}
	if len(labs) != 2 || labs[0].Source != "content/ok.toml" || labs[1].Source != "content/dup.toml" {
		t.Errorf("the good labs are still returned, sorted by id: %v", labs)
	}

	labs, err = LoadFSAs(fstest.MapFS{"np.toml": {Data: []byte(validLab)}}, ".", "content")
	if err != nil || len(labs) != 1 || labs[0].Source != "content/np.toml" {
		t.Errorf("LoadFSAs = %v, %v", labs, err)
	}
	_, err = LoadFSAs(fstest.MapFS{"np.toml": {Data: []byte("id = 1")}}, ".", "content")
	if err == nil || err.Error() != "content/np.toml:1: id: want a string, found an integer (1)" {
		t.Errorf("LoadFSAs error = %v", err)
	}

	if _, err := LoadDir(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing directory is an error")
	}
	if _, err := LoadDir(filepath.Join(dir, "a.toml")); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("a file is not a directory: %v", err)
	}
}

func TestErrorFormatting(t *testing.T) {
	e := &Error{File: "a.toml", Msg: "boom"}
	if e.Error() != "a.toml: boom" {
		t.Error(e.Error())
	}
	var empty ErrorList
	if empty.Err() != nil {
		t.Error("an empty list is no error")
	}
}
