package netmodel

import (
	"fmt"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// This file infers which sockets a pod listens on from its containers'
// images, commands, arguments and environment, the way a person reading the
// manifest would. Declared containerPorts are documentation: for the images
// the model knows they do not open anything, and only for unknown images are
// they taken as a hint ("assumed from containerPorts").

// app says what answers on a socket, which decides the HTTP response.
type app int

const (
	appAssumed       app = iota // unknown image: port taken from containerPorts
	appNginx                    // nginx default site
	appNetexec                  // agnhost netexec HTTP server
	appServeHostname            // agnhost serve-hostname HTTP server
	appPorter                   // agnhost porter HTTP server
	appTraefik                  // Traefik entrypoint
	appHTTPD                    // busybox httpd
	appCoreDNSHTTP              // CoreDNS health/ready/metrics endpoints
	appRaw                      // a socket that does not speak HTTP (nc, DNS, UDP servers)
)

// socket is one listening socket of a pod.
type socket struct {
	port  int
	proto corev1.Protocol
	app   app
	tls   bool // the server expects TLS
	// netexec only: the path its --http-override answers every request
	// with, and unready when /healthz answers 412 (no UDP or SCTP server
	// ever starts).
	override string
	unready  bool
	// busybox httpd only: the command line writes an index.html to serve.
	index bool
}

func (s socket) String() string { return fmt.Sprintf("%s/%d", s.proto, s.port) }

// listener is what one container listens on and how the model knows it.
type listener struct {
	container string
	what      string // "nginx", "agnhost netexec", "busybox nc", "image foo:1"
	sockets   []socket
	assumed   bool   // unknown image: sockets are its declared containerPorts
	note      string // why the container listens on nothing although one might expect it to
	// unsure says why the container may listen on more than sockets
	// (an image or agnhost subcommand the model does not simulate,
	// variables it cannot see); "" when the model knows.
	unsure string
}

// podListeners infers the listening sockets of every long-running container
// of a pod (app containers and restartable init containers, i.e. sidecars).
func podListeners(p *corev1.Pod) []listener {
	var out []listener
	for i := range p.Spec.InitContainers {
		c := &p.Spec.InitContainers[i]
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			out = append(out, containerListener(c))
		}
	}
	for i := range p.Spec.Containers {
		out = append(out, containerListener(&p.Spec.Containers[i]))
	}
	return out
}

// imageName returns the repository of an image reference without registry,
// tag or digest, e.g. "e2e-test-images/agnhost" or "library/nginx".
func imageName(image string) string {
	ref := image
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndex(ref, ":"); i >= 0 && !strings.Contains(ref[i:], "/") {
		ref = ref[:i]
	}
	parts := strings.Split(ref, "/")
	if len(parts) > 1 && (strings.ContainsAny(parts[0], ".:") || parts[0] == "localhost") {
		parts = parts[1:]
	}
	return strings.Join(parts, "/")
}

// officialImage reports whether image is the Docker official image name
// ("nginx", "library/nginx", "docker.io/library/nginx:1.27", ...).
func officialImage(image, name string) bool {
	n := imageName(image)
	return n == name || n == "library/"+name
}

func containerListener(c *corev1.Container) listener {
	argv := append(append([]string{}, c.Command...), c.Args...)
	base := path.Base(imageName(c.Image))
	l := listener{container: c.Name}
	switch {
	case base == "agnhost":
		agnhostListener(&l, c, argv)
	case officialImage(c.Image, "nginx"):
		if len(argv) == 0 || runsProgram(argv, "nginx") {
			l.what = "nginx"
			l.sockets = []socket{{port: 80, proto: corev1.ProtocolTCP, app: appNginx}}
		} else {
			l.what = "nginx image running " + strconv.Quote(strings.Join(argv, " "))
			l.sockets = shellListeners(argv)
			if len(l.sockets) == 0 {
				l.note = "its command replaces nginx"
			}
		}
	case officialImage(c.Image, "busybox"):
		l.what = "busybox"
		l.sockets = shellListeners(argv)
		if len(l.sockets) > 0 {
			l.what = describeShell(l.sockets)
		}
	case isTraefikImage(c.Image):
		l.what = "traefik"
		l.sockets = traefikListeners(argv)
	case base == "coredns":
		l.what = "coredns"
		l.sockets = []socket{
			{port: 53, proto: corev1.ProtocolUDP, app: appRaw},
			{port: 53, proto: corev1.ProtocolTCP, app: appRaw},
			{port: 8080, proto: corev1.ProtocolTCP, app: appCoreDNSHTTP},
			{port: 8181, proto: corev1.ProtocolTCP, app: appCoreDNSHTTP},
			{port: 9153, proto: corev1.ProtocolTCP, app: appCoreDNSHTTP},
		}
	default:
		l.what = "image " + c.Image
		l.assumed = true
		l.unsure = fmt.Sprintf("container %s runs image %s, which the offline model does not simulate", c.Name, c.Image)
		for _, cp := range c.Ports {
			l.sockets = append(l.sockets, socket{port: int(cp.ContainerPort), proto: protoOr(cp.Protocol), app: appAssumed})
		}
	}
	sortSockets(l.sockets)
	return l
}

func describeShell(s []socket) string {
	for _, x := range s {
		if x.app == appHTTPD {
			return "busybox httpd"
		}
	}
	return "busybox nc"
}

func protoOr(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}

func sortSockets(s []socket) {
	sort.Slice(s, func(i, j int) bool {
		if s[i].port != s[j].port {
			return s[i].port < s[j].port
		}
		return s[i].proto < s[j].proto
	})
}

// runsProgram reports whether argv (possibly through a shell or the image's
// entrypoint script) starts prog.
func runsProgram(argv []string, prog string) bool {
	for _, cmd := range shellCommands(argv) {
		if len(cmd) > 0 && path.Base(cmd[0]) == prog {
			return true
		}
	}
	return false
}

// longFlags parses Go/pflag style flags (--name=value, --name value,
// --bool, --bool=false). Later occurrences win. boolFlags lists the flags
// that take no separate value.
func longFlags(args []string, boolFlags ...string) map[string]string {
	isBool := map[string]bool{}
	for _, b := range boolFlags {
		isBool[b] = true
	}
	out := map[string]string{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" || a == "--" {
			continue
		}
		name := strings.TrimLeft(a, "-")
		if k, v, ok := strings.Cut(name, "="); ok {
			out[k] = v
			continue
		}
		if isBool[name] {
			out[name] = "true"
			continue
		}
		if i+1 < len(args) {
			out[name] = args[i+1]
			i++
		}
	}
	return out
}

// intFlag reads an integer flag with a default; ok is false for a value
// that is not a number (the program would exit with a usage error).
func intFlag(flags map[string]string, name string, def int) (int, bool) {
	v, set := flags[name]
	if !set {
		return def, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil
}

func boolFlag(flags map[string]string, name string, def bool) bool {
	v, set := flags[name]
	if !set {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return def
	}
	return b
}

// agnhostListener models the agnhost subcommands the labs use.
func agnhostListener(l *listener, c *corev1.Container, argv []string) {
	if len(c.Command) > 0 && path.Base(c.Command[0]) != "agnhost" {
		// The command replaces the image's entrypoint /agnhost: a
		// subcommand name is no program of its own (kubectl create
		// deployment ... -- netexec writes exactly this), while a shell
		// may run busybox's servers or agnhost itself.
		if sh := path.Base(c.Command[0]); sh == "sh" || sh == "ash" {
			l.what = "agnhost image running " + strconv.Quote(strings.Join(argv, " "))
			l.sockets = shellListeners(argv)
			if runsProgram(argv, "agnhost") {
				l.assumed = true
				l.unsure = fmt.Sprintf("container %s runs agnhost from a shell script, which the offline model does not read", c.Name)
				for _, cp := range c.Ports {
					l.sockets = append(l.sockets, socket{port: int(cp.ContainerPort), proto: protoOr(cp.Protocol), app: appAssumed})
				}
			}
			return
		}
		l.what = "agnhost image with command " + strconv.Quote(strings.Join(c.Command, " "))
		l.note = fmt.Sprintf("its command %q replaces the image's entrypoint /agnhost, and the image has no program %q: the container cannot start (put the subcommand in args, or write command [/agnhost, %s])",
			strings.Join(c.Command, " "), c.Command[0], c.Command[0])
		return
	}
	if len(argv) > 0 && path.Base(argv[0]) == "agnhost" {
		argv = argv[1:]
	}
	sub := ""
	if len(argv) > 0 && !strings.HasPrefix(argv[0], "-") {
		sub, argv = argv[0], argv[1:]
	}
	l.what = "agnhost " + sub
	switch sub {
	case "":
		l.what = "agnhost"
		l.note = "agnhost without a subcommand prints its help and exits"
	case "pause", "connect":
		// pause sleeps; connect is a client: neither listens.
	case "netexec":
		f := longFlags(argv)
		httpPort, ok1 := intFlag(f, "http-port", 8080)
		udpPort, ok2 := intFlag(f, "udp-port", 8081)
		sctpPort, ok3 := intFlag(f, "sctp-port", -1)
		if !ok1 || !ok2 || !ok3 {
			l.note = "agnhost netexec exits: a port flag is not a number"
			return
		}
		l.sockets = append(l.sockets, socket{port: httpPort, proto: corev1.ProtocolTCP, app: appNetexec, tls: f["tls-cert-file"] != "",
			override: f["http-override"], unready: udpPort == -1 && sctpPort == -1})
		if udpPort != -1 {
			l.sockets = append(l.sockets, socket{port: udpPort, proto: corev1.ProtocolUDP, app: appRaw})
		}
		if sctpPort != -1 {
			l.sockets = append(l.sockets, socket{port: sctpPort, proto: corev1.ProtocolSCTP, app: appRaw})
		}
	case "serve-hostname":
		f := longFlags(argv, "tcp", "udp", "http", "close")
		port, ok := intFlag(f, "port", 9376)
		if !ok {
			l.note = "agnhost serve-hostname exits: --port is not a number"
			return
		}
		tcp, udp, http := boolFlag(f, "tcp", false), boolFlag(f, "udp", false), boolFlag(f, "http", true)
		if http && (tcp || udp) {
			l.note = "agnhost serve-hostname exits: --http (default true) cannot be combined with --tcp or --udp; add --http=false"
			return
		}
		if http {
			l.sockets = append(l.sockets, socket{port: port, proto: corev1.ProtocolTCP, app: appServeHostname})
		}
		if tcp {
			l.sockets = append(l.sockets, socket{port: port, proto: corev1.ProtocolTCP, app: appRaw})
		}
		if udp {
			l.sockets = append(l.sockets, socket{port: port, proto: corev1.ProtocolUDP, app: appRaw})
		}
	case "porter":
		porterListener(l, c)
	default:
		l.what = "agnhost " + sub + " (not modelled)"
		l.assumed = true
		l.unsure = fmt.Sprintf("container %s runs agnhost %s, which the offline model does not simulate", c.Name, sub)
		for _, cp := range c.Ports {
			l.sockets = append(l.sockets, socket{port: int(cp.ContainerPort), proto: protoOr(cp.Protocol), app: appAssumed})
		}
	}
}

// porterListener models agnhost porter (2.66.1): every variable
// SERVE_PORT_N or SERVE_TCP_PORT_N starts an HTTP server on TCP N that
// answers any request with the variable's value, SERVE_TLS_PORT_N the same
// over TLS, SERVE_UDP_PORT_N a UDP server and SERVE_SCTP_PORT_N an SCTP
// server. A TCP or TLS port that is not a number only fails that server;
// a UDP or SCTP one makes porter exit (log.Fatal), and nothing listens.
func porterListener(l *listener, c *corev1.Container) {
	for _, e := range c.Env {
		s, prefix, ok := porterSocket(e.Name)
		switch {
		case prefix == "":
		case ok:
			l.sockets = append(l.sockets, s)
		case s.proto == corev1.ProtocolUDP || s.proto == corev1.ProtocolSCTP:
			l.sockets = nil
			l.note = fmt.Sprintf("agnhost porter exits: %s does not name a port (%s must be followed by a port number)", e.Name, prefix)
			return
		}
	}
	l.sockets = dedupeSockets(l.sockets)
	if len(c.EnvFrom) > 0 {
		l.unsure = fmt.Sprintf("container %s runs agnhost porter, which serves the ports its SERVE_*_PORT_N variables name, and its envFrom adds variables the offline model cannot see", c.Name)
	}
	if len(l.sockets) == 0 {
		l.note = "agnhost porter serves only the ports named by SERVE_PORT_N, SERVE_TCP_PORT_N, SERVE_TLS_PORT_N, SERVE_UDP_PORT_N or SERVE_SCTP_PORT_N variables, and it has none"
		if len(c.EnvFrom) > 0 {
			l.note += " in env (envFrom is not visible to the offline model)"
		}
	}
}

// porterSocket reads one environment variable of agnhost porter. prefix
// is the SERVE_*_PORT_ prefix it starts with ("" for any other variable);
// ok is false when the rest is not a port number (s still carries the
// protocol).
func porterSocket(env string) (s socket, prefix string, ok bool) {
	for _, p := range []struct {
		prefix string
		s      socket
	}{
		{"SERVE_PORT_", socket{proto: corev1.ProtocolTCP, app: appPorter}},
		{"SERVE_TCP_PORT_", socket{proto: corev1.ProtocolTCP, app: appPorter}},
		{"SERVE_UDP_PORT_", socket{proto: corev1.ProtocolUDP, app: appRaw}},
		{"SERVE_SCTP_PORT_", socket{proto: corev1.ProtocolSCTP, app: appRaw}},
		{"SERVE_TLS_PORT_", socket{proto: corev1.ProtocolTCP, app: appPorter, tls: true}},
	} {
		rest, found := strings.CutPrefix(env, p.prefix)
		if !found {
			continue
		}
		s = p.s
		n, err := strconv.Atoi(rest)
		if err != nil || n < 1 || n > 65535 {
			return s, p.prefix, false
		}
		s.port = n
		return s, p.prefix, true
	}
	return socket{}, "", false
}

// traefikEntryPoint is one entrypoint of a Traefik container.
type traefikEntryPoint struct {
	name string // as written in the flag, lower-cased
	s    socket
}

// traefikEntryPoints reads the entrypoints from --entryPoints.NAME.address
// flags; without any, Traefik listens on web (80) and websecure (443).
// --api.insecure adds the "traefik" entrypoint on 8080 unless it is
// defined.
func traefikEntryPoints(argv []string) []traefikEntryPoint {
	var out []traefikEntryPoint
	defined := map[string]bool{}
	insecureAPI := false
	for i := 0; i < len(argv); i++ {
		a := strings.TrimLeft(argv[i], "-")
		k, v, hasValue := strings.Cut(a, "=")
		lk := strings.ToLower(k)
		if lk == "api.insecure" {
			insecureAPI = !hasValue || v == "true"
			continue
		}
		if !strings.HasPrefix(lk, "entrypoints.") || !strings.HasSuffix(lk, ".address") {
			continue
		}
		if !hasValue && i+1 < len(argv) {
			v = argv[i+1]
			i++
		}
		name := strings.TrimSuffix(strings.TrimPrefix(lk, "entrypoints."), ".address")
		addr, proto := v, corev1.ProtocolTCP
		if a, p, ok := strings.Cut(v, "/"); ok {
			addr = a
			if strings.EqualFold(p, "udp") {
				proto = corev1.ProtocolUDP
			}
		}
		port, err := strconv.Atoi(addr[strings.LastIndex(addr, ":")+1:])
		if err != nil {
			continue
		}
		defined[name] = true
		out = append(out, traefikEntryPoint{name, socket{port: port, proto: proto, app: appTraefik}})
	}
	if len(out) == 0 {
		out = []traefikEntryPoint{
			{"web", socket{port: 80, proto: corev1.ProtocolTCP, app: appTraefik}},
			{"websecure", socket{port: 443, proto: corev1.ProtocolTCP, app: appTraefik, tls: true}},
		}
	}
	if insecureAPI && !defined["traefik"] {
		out = append(out, traefikEntryPoint{"traefik", socket{port: 8080, proto: corev1.ProtocolTCP, app: appTraefik}})
	}
	return out
}

// traefikListeners are the sockets of Traefik's entrypoints.
func traefikListeners(argv []string) []socket {
	var out []socket
	for _, ep := range traefikEntryPoints(argv) {
		out = append(out, ep.s)
	}
	return out
}

// isTraefikImage reports whether image is Traefik's.
func isTraefikImage(image string) bool {
	return officialImage(image, "traefik") || imageName(image) == "traefik/traefik"
}

// shellCommands splits argv into simple commands: argv itself, or, for
// `sh -c SCRIPT` (also bash/ash, and after busybox), the commands of SCRIPT
// split on ; & | && || and newlines, with shell keywords dropped.
func shellCommands(argv []string) [][]string {
	if len(argv) > 0 && path.Base(argv[0]) == "busybox" {
		argv = argv[1:]
	}
	if len(argv) >= 2 {
		switch path.Base(argv[0]) {
		case "sh", "bash", "ash", "dash":
			for i := 1; i < len(argv)-1; i++ {
				if argv[i] == "-c" || (strings.HasPrefix(argv[i], "-") && strings.HasSuffix(argv[i], "c")) {
					return splitScript(argv[i+1])
				}
			}
		}
	}
	if len(argv) > 0 && path.Base(argv[0]) == "/docker-entrypoint.sh" {
		argv = argv[1:]
	}
	return [][]string{argv}
}

var shellKeywords = map[string]bool{
	"do": true, "then": true, "else": true, "while": true, "until": true, "if": true,
	"exec": true, "nohup": true, "{": true, "}": true, "(": true, ")": true, "done": true, "fi": true,
	"time": true, "!": true,
}

// splitScript tokenizes a shell script roughly: quotes group words, and
// command separators start a new command.
func splitScript(script string) [][]string {
	var cmds [][]string
	var cur []string
	var word strings.Builder
	inWord := false
	flushWord := func() {
		if inWord {
			cur = append(cur, word.String())
			word.Reset()
			inWord = false
		}
	}
	flushCmd := func() {
		flushWord()
		for len(cur) > 0 && shellKeywords[cur[0]] {
			cur = cur[1:]
		}
		if len(cur) > 0 {
			cmds = append(cmds, cur)
		}
		cur = nil
	}
	var quote rune
	for _, r := range script {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				word.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote = r
			inWord = true
		case r == ';' || r == '&' || r == '|' || r == '\n':
			flushCmd()
		case r == ' ' || r == '\t':
			flushWord()
		default:
			word.WriteRune(r)
			inWord = true
		}
	}
	flushCmd()
	return cmds
}

// shellListeners finds busybox nc and httpd servers in a command line.
func shellListeners(argv []string) []socket {
	var out []socket
	for _, cmd := range shellCommands(argv) {
		if len(cmd) > 1 && path.Base(cmd[0]) == "busybox" {
			cmd = cmd[1:]
		}
		if len(cmd) == 0 {
			continue
		}
		switch path.Base(cmd[0]) {
		case "nc", "netcat":
			if s, ok := ncListener(cmd[1:]); ok {
				out = append(out, s)
			}
		case "httpd":
			if s, ok := httpdListener(cmd[1:]); ok {
				s.index = strings.Contains(strings.Join(argv, " "), "index.html")
				out = append(out, s)
			}
		}
	}
	return dedupeSockets(out)
}

func dedupeSockets(in []socket) []socket {
	seen := map[socket]bool{}
	var out []socket
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// shortOpts walks getopt-style short options (-l -p 80, -lp 80, -lkp80).
// withArg lists the letters that take an argument; fn receives each letter
// and its argument ("" when none).
func shortOpts(args []string, withArg string, fn func(opt byte, arg string)) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) < 2 || a[0] != '-' || a == "--" {
			continue
		}
		for j := 1; j < len(a); j++ {
			o := a[j]
			if !strings.ContainsRune(withArg, rune(o)) {
				fn(o, "")
				continue
			}
			arg := a[j+1:]
			if arg == "" && i+1 < len(args) {
				i++
				arg = args[i]
			}
			fn(o, arg)
			break
		}
	}
}

// ncListener models busybox nc: -l listens, -p gives the local port, -u
// switches to UDP. Without -p a listening nc picks a random port.
func ncListener(args []string) (socket, bool) {
	listen, udp, port := false, false, 0
	shortOpts(args, "pewiqsf", func(o byte, arg string) {
		switch o {
		case 'l':
			listen = true
		case 'u':
			udp = true
		case 'p':
			if n, err := strconv.Atoi(arg); err == nil {
				port = n
			}
		}
	})
	if !listen || port < 1 || port > 65535 {
		return socket{}, false
	}
	s := socket{port: port, proto: corev1.ProtocolTCP, app: appRaw}
	if udp {
		s.proto = corev1.ProtocolUDP
	}
	return s, true
}

// httpdListener models busybox httpd: -p [IP:]PORT (default 80); -i runs it
// from inetd and it does not listen itself.
func httpdListener(args []string) (socket, bool) {
	port, inetd := 80, false
	shortOpts(args, "phcrumde", func(o byte, arg string) {
		switch o {
		case 'i':
			inetd = true
		case 'p':
			if n, err := strconv.Atoi(arg[strings.LastIndex(arg, ":")+1:]); err == nil {
				port = n
			}
		}
	})
	if inetd || port < 1 || port > 65535 {
		return socket{}, false
	}
	return socket{port: port, proto: corev1.ProtocolTCP, app: appHTTPD}, true
}

// ListenPort is a port a pod listens on.
type ListenPort struct {
	Port     int
	Protocol corev1.Protocol
}

func (l ListenPort) String() string { return fmt.Sprintf("%s/%d", l.Protocol, l.Port) }

// Listening returns the ports a pod's long-running containers listen on as
// the model infers them for probes: for the images it knows, where their
// processes listen, whatever containerPorts say; for images (or agnhost
// subcommands) it does not simulate, their declared containerPorts. Sorted
// by protocol, then port, without duplicates.
func Listening(p *corev1.Pod) []ListenPort {
	seen := map[ListenPort]bool{}
	var out []ListenPort
	for _, l := range podListeners(p) {
		for _, s := range l.sockets {
			lp := ListenPort{Port: s.port, Protocol: s.proto}
			if s.port > 0 && !seen[lp] {
				seen[lp] = true
				out = append(out, lp)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Protocol != out[j].Protocol {
			return out[i].Protocol < out[j].Protocol
		}
		return out[i].Port < out[j].Port
	})
	return out
}

// listenResult is the listening check of one backend.
type listenResult struct {
	ok      bool
	socket  socket
	reasons []string // why it failed, or caveats when it succeeded
	// unknown is set (to why) when nothing the model knows of listens on
	// the port but a container may: the model cannot tell.
	unknown string
}

// checkListen decides whether something in pod accepts proto/port.
// viaService adds the targetPort hint to a failure.
func checkListen(p *corev1.Pod, port int, proto corev1.Protocol, viaService bool) listenResult {
	ls := podListeners(p)
	var all []socket
	for _, l := range ls {
		for _, s := range l.sockets {
			if s.port == port && s.proto == proto {
				r := listenResult{ok: true, socket: s}
				if l.assumed {
					r.reasons = append(r.reasons, fmt.Sprintf("%s listening on %s/%d is assumed from containerPorts (%s is not modelled)", podKey(p), proto, port, l.what))
				}
				return r
			}
			all = append(all, s)
		}
	}
	var r listenResult
	var unsure []string
	for _, l := range ls {
		if l.unsure != "" {
			unsure = append(unsure, l.unsure)
		}
	}
	if len(unsure) > 0 {
		r.unknown = fmt.Sprintf("cannot tell what pod %s listens on: %s, and no container declares containerPort %s/%d", podKey(p), strings.Join(unsure, "; "), proto, port)
		r.reasons = append(r.reasons, r.unknown)
	}
	sortSockets(all)
	all = dedupeSockets(all)
	if len(all) == 0 {
		if r.unknown == "" {
			r.reasons = append(r.reasons, fmt.Sprintf("pod %s listens on no port (%s); nothing answers on %s/%d", podKey(p), describeListeners(ls), proto, port))
		}
	} else {
		var socks []string
		for _, s := range all {
			socks = append(socks, s.String())
		}
		msg := fmt.Sprintf("pod %s listens on %s (%s); nothing listens on %s/%d", podKey(p), strings.Join(socks, ", "), describeListeners(ls), proto, port)
		if r.unknown != "" {
			msg = fmt.Sprintf("pod %s listens on %s as far as the offline model knows (%s); it knows of nothing on %s/%d", podKey(p), strings.Join(socks, ", "), describeListeners(ls), proto, port)
		}
		if viaService {
			msg += " — check the Service's targetPort"
		}
		r.reasons = append(r.reasons, msg)
	}
	for _, l := range ls {
		if l.note != "" {
			r.reasons = append(r.reasons, fmt.Sprintf("container %s: %s", l.container, l.note))
		}
	}
	if declaredPort(p, port, proto) {
		r.reasons = append(r.reasons, fmt.Sprintf("containerPort %d is declared, but declaring a containerPort does not make the container listen on it", port))
	}
	return r
}

func describeListeners(ls []listener) string {
	var parts []string
	for _, l := range ls {
		w := l.what
		if l.assumed {
			w += ", assumed from containerPorts"
		}
		parts = append(parts, w)
	}
	return strings.Join(parts, "; ")
}

func declaredPort(p *corev1.Pod, port int, proto corev1.Protocol) bool {
	for _, c := range p.Spec.Containers {
		for _, cp := range c.Ports {
			if int(cp.ContainerPort) == port && protoOr(cp.Protocol) == proto {
				return true
			}
		}
	}
	return false
}

// httpAnswer is the status the application behind s gives to GET path.
// isHTTP is false when the socket does not speak HTTP; note explains a
// status that is not 200 or that is an assumption.
func httpAnswer(s socket, reqPath string) (status int, note string, isHTTP bool) {
	rawPath := reqPath
	if i := strings.IndexAny(reqPath, "?#"); i >= 0 {
		reqPath = reqPath[:i]
	}
	if s.proto != corev1.ProtocolTCP {
		return 0, fmt.Sprintf("%s is not an HTTP server", s), false
	}
	if s.tls {
		return 400, "the server on " + s.String() + " expects TLS and answers 400 to plain HTTP", true
	}
	switch s.app {
	case appNginx:
		switch reqPath {
		case "/", "/index.html", "/50x.html":
			return 200, "", true
		}
		return 404, "nginx's default site serves only / (index.html); " + reqPath + " gives 404", true
	case appNetexec:
		st, note := netexecAnswer(s, rawPath)
		return st, note, true
	case appServeHostname, appPorter:
		return 200, "", true
	case appTraefik:
		return 404, "Traefik answers 404 to a request no router matches", true
	case appHTTPD:
		if !s.index {
			return 404, "busybox httpd serves the files of its -h directory (by default the working directory, / in the busybox image), and nothing writes an index.html there: 404", true
		}
		return 200, "busybox httpd serves files from its -h directory; 200 is assumed", true
	case appCoreDNSHTTP:
		return 200, "", true
	case appAssumed:
		return 200, "the application is not modelled; 200 is assumed", true
	}
	return 0, "nothing on " + s.String() + " speaks HTTP (a raw socket such as nc answers no HTTP request)", false
}

// netexecAnswer is agnhost netexec's status for GET rawPath (path and
// query): 200 for most paths, but /echo?code=N answers N, /redirect 302
// (or its code), /dial without a request parameter 400, and /healthz 412
// when no UDP or SCTP server runs. --http-override answers every request
// as its path.
func netexecAnswer(s socket, rawPath string) (int, string) {
	via := ""
	if s.override != "" {
		rawPath = s.override
		via = fmt.Sprintf("netexec --http-override=%s answers every request as GET %s; ", s.override, s.override)
	}
	p, rawQuery, _ := strings.Cut(rawPath, "?")
	p, _, _ = strings.Cut(p, "#")
	rawQuery, _, _ = strings.Cut(rawQuery, "#")
	q, _ := url.ParseQuery(rawQuery)
	code := func(def int) (int, bool) {
		c := q.Get("code")
		if c == "" {
			return def, true
		}
		n, err := strconv.Atoi(c)
		return n, err == nil && n >= 100 && n <= 999
	}
	switch p {
	case "/echo":
		if n, ok := code(200); ok && n != 200 {
			return n, via + fmt.Sprintf("netexec /echo answers with the status its code parameter asks for (%d)", n)
		}
	case "/redirect":
		if n, ok := code(302); ok {
			return n, via + fmt.Sprintf("netexec /redirect answers %d (a redirect to its location parameter)", n)
		}
	case "/dial":
		if q.Get("request") == "" {
			return 400, via + "netexec /dial answers 400 without a request parameter"
		}
		return 200, via + "netexec /dial answers 200 if its own request to host:port succeeds, 417 if not; the model assumes it succeeds"
	case "/healthz":
		if s.unready {
			return 412, via + "netexec /healthz answers 412 Precondition Failed: it reports ready only once its UDP or SCTP server runs, and --udp-port=-1 turned it off"
		}
	}
	if via != "" {
		return 200, strings.TrimSuffix(via, "; ")
	}
	return 200, ""
}

func podKey(p *corev1.Pod) string { return p.Namespace + "/" + p.Name }
