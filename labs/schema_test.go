package labs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml/ast"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The JSON Schema and the loader must accept and reject the same files,
// with one exception the schema cannot help: it checks each value where it
// stands (structure, types, keys, enums, patterns, ranges), while the
// loader also checks what refers to other parts of the lab and the rules
// between values. Those are the loader's alone:
//
//   - references: unknown nodes, interfaces, links, sockets and pings, and
//     things used before they exist or after they are gone;
//   - uniqueness: duplicate link ids, socket ids, ping ids, MACs (derived
//     ones too), static ARP entries, app ports, an interface on two links,
//     an address on two interfaces of one Ethernet segment (a pipe, or
//     the links of a switch);
//   - relations: both ends of a link the same, steps going back in time,
//     min above max, a send without a destination on an unconnected socket,
//     subnets that overlap on one node, a DHCP pool that ends before it
//     starts or lies outside its subnet, t1 and t2 out of order, an
//     interface with an address and a DHCP client, or down with one;
//   - values whose meaning the pattern cannot see: an interface address that
//     is its network's own or broadcast address (or loopback, multicast), a
//     route's host bits, port 0 or 0.0.0.0 where a peer is needed, a zero
//     timeout or interval (or DHCP lease), a duration or a rate out of
//     range, a regular expression that does not compile.
//
// And YAML itself comes first: syntax errors, duplicate keys, several
// documents, unknown aliases and tags never reach a schema (an editor
// reports them as YAML errors). yamlValue fails on them.

// compileSchema compiles the embedded schema, checking it against the
// draft 2020-12 metaschema.
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema()))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("lab.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("lab.schema.json")
	if err != nil {
		t.Fatalf("the schema does not compile: %v", err)
	}
	return sch
}

// yamlValue reads a lab file into the value a JSON Schema validator sees,
// as a YAML 1.2 parser reads it (goccy/go-yaml's AST, aliases expanded,
// a:eth0 in a flow sequence a string). It fails where YAML itself does.
func yamlValue(data []byte) (any, error) {
	root, err := parse("x.yaml", bytes.TrimPrefix(data, []byte("\ufeff")))
	if err != nil {
		return nil, err
	}
	if root == nil {
		return nil, nil
	}
	d := &decoder{file: "x.yaml", pos: map[string]Pos{}}
	d.collectAnchors(root)
	v, err := d.jsonValue(root, 0)
	if err == nil && len(d.errs) > 0 {
		err = d.errs.Err()
	}
	return v, err
}

func (d *decoder) jsonValue(n ast.Node, depth int) (any, error) {
	if depth > 200 {
		return nil, errors.New("too deep")
	}
	n = d.resolve(n, "$")
	switch v := n.(type) {
	case nil:
		return nil, nil
	case *ast.MappingNode, *ast.MappingValueNode:
		var values []*ast.MappingValueNode
		if m, ok := v.(*ast.MappingNode); ok {
			values = m.Values
		} else {
			values = []*ast.MappingValueNode{v.(*ast.MappingValueNode)}
		}
		out := map[string]any{}
		for _, mv := range values {
			var key string
			if _, merge := mv.Key.(*ast.MergeKeyNode); merge {
				key = "<<"
			} else {
				k := d.resolve(mv.Key, "$")
				if !isScalar(k) {
					return nil, errors.New("a key that is not a scalar")
				}
				key = scalarText(k)
			}
			if _, dup := out[key]; dup {
				return nil, fmt.Errorf("duplicate key %q", key)
			}
			val, err := d.jsonValue(mv.Value, depth+1)
			if err != nil {
				return nil, err
			}
			out[key] = val
		}
		return out, nil
	case *ast.SequenceNode:
		out := []any{}
		for _, e := range v.Values {
			if s, ok := gluedPair(d.resolve(e, "$")); ok {
				out = append(out, s)
				continue
			}
			val, err := d.jsonValue(e, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, val)
		}
		return out, nil
	case *ast.StringNode, *ast.LiteralNode:
		return scalarText(v), nil
	case *ast.IntegerNode:
		return v.Value, nil
	case *ast.FloatNode:
		return v.Value, nil
	case *ast.BoolNode:
		return v.Value, nil
	}
	return nil, fmt.Errorf("a %T scalar (%s) has no JSON value", n, scalarText(n))
}

// schemaVerdict says whether the schema accepts a lab file: nil when it
// does, else why not.
func schemaVerdict(sch *jsonschema.Schema, data []byte) error {
	v, err := yamlValue(data)
	if err != nil {
		return fmt.Errorf("YAML: %w", err)
	}
	return sch.Validate(v)
}

func TestSchemaCompiles(t *testing.T) {
	compileSchema(t)
	var doc map[string]any
	if err := json.Unmarshal(Schema(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v", doc["$schema"])
	}
	// The embedded schema is the file in the repository.
	file, err := os.ReadFile("schema/lab.schema.json")
	if err != nil || !bytes.Equal(file, Schema()) || !strings.HasSuffix(SchemaFile, "/schema/lab.schema.json") {
		t.Errorf("Schema() is not %s (%v)", SchemaFile, err)
	}
}

// TestSchemaPatterns checks that the schema's value patterns are the
// loader's, string for string, and that every definition has a
// description an editor can show.
func TestSchemaPatterns(t *testing.T) {
	var doc struct {
		Defs map[string]map[string]any `json:"$defs"`
	}
	if err := json.Unmarshal(Schema(), &doc); err != nil {
		t.Fatal(err)
	}
	pattern := func(def string) string {
		p, _ := doc.Defs[def]["pattern"].(string)
		if p == "" { // a duration: a string pattern, or 0
			for _, alt := range doc.Defs[def]["oneOf"].([]any) {
				if p2, ok := alt.(map[string]any)["pattern"].(string); ok {
					p = p2
				}
			}
		}
		return p
	}
	for def, want := range map[string]string{
		"ipv4": PatternIPv4, "prefix": PatternPrefix, "interfaceAddress": PatternInterfaceAddress,
		"addrPort": PatternAddrPort, "duration": PatternDuration, "percent": PatternPercent,
		"rate": PatternRate, "labName": PatternLabName, "nodeName": PatternNodeName,
		"interfaceName": PatternInterfaceName, "id": PatternID, "dhcpPool": PatternDHCPPool,
	} {
		if got := pattern(def); got != want {
			t.Errorf("$defs.%s pattern = %q, want the loader's %q", def, got, want)
		}
		if _, err := regexp.Compile(want); err != nil {
			t.Errorf("%s: %v", def, err)
		}
	}
	var macs []string
	for _, p := range doc.Defs["mac"]["allOf"].([]any) {
		macs = append(macs, p.(map[string]any)["pattern"].(string))
	}
	if !slices.Equal(macs, []string{PatternMAC, PatternUnicastMAC}) {
		t.Errorf("$defs.mac patterns = %q", macs)
	}
	for name, def := range doc.Defs {
		if def["description"] == nil {
			t.Errorf("$defs.%s has no description", name)
		}
	}
}

// TestBuiltinLabsMatchTheSchema checks every built-in lab (and the kitchen
// sink) against the schema, and that the schema line on its first line
// leads to the schema from where the file is in the repository.
func TestBuiltinLabsMatchTheSchema(t *testing.T) {
	sch := compileSchema(t)
	files, _ := filepath.Glob("builtin/*.yaml")
	files = append(files, "testdata/kitchen-sink.yaml")
	if len(files) < 3 {
		t.Fatalf("files = %v", files)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		line, _, _ := bytes.Cut(data, []byte("\n"))
		ref, ok := strings.CutPrefix(string(line), "# yaml-language-server: $schema=")
		if !ok {
			t.Errorf("%s: first line %q names no schema", file, line)
		} else if target := filepath.Join(filepath.Dir(file), ref); target != filepath.FromSlash("schema/lab.schema.json") {
			t.Errorf("%s: $schema=%s leads to %s, not the schema", file, ref, target)
		}
		if err := schemaVerdict(sch, data); err != nil {
			t.Errorf("%s does not match the schema: %v", file, err)
		}
		if _, err := Load(file, data); err != nil {
			t.Errorf("%s does not load: %v", file, err)
		}
	}
}

// brokenClass says who rejects each broken lab under testdata/broken:
// "schema" when at least one of its mistakes is one the schema sees (so
// the schema rejects it), "yaml" when YAML itself does, "loader" when all
// of its mistakes are the loader's alone (so the schema accepts it). A
// broken lab added without a class here fails the test.
var brokenClass = map[string]string{
	"add-interface":              "loader", // interfaces that do not exist (yet), links that do not name them
	"address-duplicate":          "loader", // one address twice on a segment
	"address-overlap":            "loader", // subnets that overlap on one node
	"address":                    "schema", // /0 on an interface; network, broadcast, loopback addresses are the loader's
	"aliases":                    "yaml",   // an alias to no anchor
	"apps":                       "schema",
	"at-and-after":               "schema",
	"kernel":                     "schema", // apps and dhcp on a kernel node, an empty run, within in the background; a pipe to a kernel node, exec on a stack, an expect with no exec before it, clock: virtual are the loader's
	"tap-pair":                   "schema", // the unknown type; a tap-pair to a kernel node or a switch, clock: virtual are the loader's
	"at-backwards":               "loader", // time
	"bad-values":                 "schema",
	"bind-connect":               "schema", // missing fields, bad addresses and durations, unknown keys; bind-connect-refs has the loader's
	"bind-connect-refs":          "loader", // unknown, closed, bound and listening sockets, within on udp, 0.0.0.0 and port 0 as a peer
	"capture":                    "schema",
	"clock":                      "schema",
	"counters":                   "schema",
	"dhcp-refs":                  "loader", // addresses, subnets, reservations, interfaces that do not exist, t1 after the lease
	"dhcp-values":                "schema",
	"duplicate-interface":        "yaml",
	"duplicate-link-id":          "loader",
	"duplicate-node":             "yaml",
	"empty":                      "schema", // no document: null is not a lab
	"endpoint-forms":             "schema",
	"endpoint-twice":             "loader",
	"endpoint-unknown-interface": "loader",
	"endpoint-unknown-node":      "loader",
	"expect-conditions":          "schema",
	"expect-event":               "schema",
	"expect-state":               "schema",
	"host-bits":                  "schema", // a route with neither via nor interface; host bits are the loader's
	"impair-unknown-link":        "schema", // an impair that changes nothing; unknown links are the loader's
	"ipv6":                       "schema",
	"link-same-ends":             "loader",
	"mac":                        "schema", // group MACs; duplicates are the loader's
	"many":                       "schema",
	"missing":                    "schema",
	"missing-nodes":              "schema",
	"mtu-range":                  "schema",
	"multi-doc":                  "yaml",
	"names":                      "schema",
	"no-nodes":                   "schema",
	"no-value":                   "schema",
	"not-a-mapping":              "schema",
	"percent-range":              "schema",
	"ping-refs":                  "loader", // unknown and duplicate ping ids, 0.0.0.0, a zero timeout
	"send":                       "schema",
	"tcp":                        "schema",
	"socket-refs":                "loader",
	"step-no-action":             "schema",
	"step-two-actions":           "schema",
	"step-unknown-node":          "loader",
	"strings":                    "schema",
	"switch-fields":              "schema",
	"syntax":                     "yaml",
	"syntax-tab":                 "yaml",
	"unknown-field":              "schema",
	"unknown-kind":               "schema",
	"value-syntax":               "schema",
	"wrong-type":                 "schema",
}

// TestSchemaAgreesOnBrokenLabs checks the schema against the broken-lab
// corpus: it rejects exactly the labs whose mistakes it can see, and
// accepts those whose mistakes are the loader's alone.
func TestSchemaAgreesOnBrokenLabs(t *testing.T) {
	sch := compileSchema(t)
	files, _ := filepath.Glob("testdata/broken/*.yaml")
	seen := map[string]bool{}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		seen[name] = true
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Load(name, data); err == nil {
			t.Errorf("%s: the loader accepts it", name)
		}
		class := brokenClass[name]
		_, yerr := yamlValue(data)
		verdict := schemaVerdict(sch, data)
		switch class {
		case "yaml":
			if yerr == nil {
				t.Errorf("%s: YAML reads it, want a YAML error", name)
			}
		case "schema":
			if yerr != nil || verdict == nil {
				t.Errorf("%s: the schema accepts it (YAML: %v)", name, yerr)
			}
		case "loader":
			if verdict != nil {
				t.Errorf("%s: the schema rejects it, but its mistakes are the loader's alone: %v", name, verdict)
			}
		default:
			t.Errorf("%s: no class in brokenClass (schema, yaml or loader)", name)
		}
	}
	for name := range brokenClass {
		if !seen[name] {
			t.Errorf("brokenClass names %s, which is not under testdata/broken", name)
		}
	}
}

// schemaCaseBase is a valid lab that the cases of TestSchemaAgreesOnSteps
// add a step to.
const schemaCaseBase = `name: base
nodes:
  a: {interfaces: {eth0: {address: 10.0.0.1/24}}}
  b: {interfaces: {eth0: {address: 10.0.0.2/24}}}
links:
  - endpoints: [a:eth0, b:eth0]
steps:
  - socket: {node: b, id: s}
  - ping: {from: b, to: 10.0.0.1, id: p}
  - `

// TestSchemaAgreesOnSteps checks the schema and the loader on one mistake
// at a time: both accept the "ok" cases, both reject the "schema" ones,
// and only the loader rejects the "loader" ones. A case that is a whole
// lab (it has nodes) is used as it is; the others are a step
// added to schemaCaseBase.
func TestSchemaAgreesOnSteps(t *testing.T) {
	sch := compileSchema(t)
	cases := []struct{ class, src string }{
		{"ok", `wait: 0`},
		{"ok", `wait: 1h30m`},
		{"ok", `wait: 1.5s`},
		{"ok", `wait: .5s`},
		{"ok", `wait: 1.s`},
		{"ok", `impair: {link: l1, loss: 0%, duplicate: 100%, reorder: 05%, corrupt: 0.001%}`},
		{"ok", `impair: {link: l1, rate: 1.5kbit, queue: 1048576}`},
		{"ok", `impair: {link: l1, rate: 0bit, delay: 0s, jitter: 1us}`},
		{"ok", `expect: {socket: s, state: unbound}`},
		{"ok", `expect: {socket: s, state: bound, bytes-received: 0, datagrams-received: 0, error: none}`},
		{"ok", `expect: {node: a, event: "/x|y/", min: 0}`},
		{"ok", `expect: {node: a, interface: eth0, event: "link down", count: 0, within: 1s}`},
		{"ok", `expect: {node: a, interface: eth0, address: none}`},
		{"ok", `expect: {node: a, interface: eth0, up: false, link-up: true, mtu: 1500, address: 10.0.0.1/24}`},
		{"ok", `expect: {node: a, interface: eth0, counter: "drops:no-route", max: 0}`},
		{"ok", `expect: {node: a, counter: "udp-no-port:x", min: 1, max: 1}`},
		{"ok", `expect: {ping: p, ping-replies: 0, ping-replies-min: 0}`},
		{"ok", `send: {socket: s, to: 10.0.0.1:7, size: 0, count: 2}`},
		{"ok", `send: {socket: s, to: "10.0.0.1:0007", data: ""}`},
		{"ok", `set-interface: {node: a, name: eth0, mtu: 9000}`},
		{"ok", `add-route: {node: a, to: 0.0.0.0/0, via: 10.0.0.2}`},
		{"ok", `add-interface: {node: a, name: eth1, mac: "0A-00-00-00-00-01", address: 10.9.0.1/32}`},
		{"ok", `ping: {from: a, to: 255.255.255.255, count: 1048576, size: 65507}`},
		{"ok", `ping: {from: a, to: 10.0.0.2, count: 2.0}`},
		{"schema", `ping: {from: a, to: 10.0.0.2, count: 0.0}`},
		{"schema", `expect: {node: a, counter: x, min: -1.0}`},
		{"ok", `socket: {node: a, id: t-1, bind: "0.0.0.0:0", proto: udp}`},
		{"ok", "name: a step\n    at: 10s\n    wait: 1s"},

		{"schema", `wait: -1s`},
		{"schema", `wait: 1`},
		{"schema", `wait: "1 s"`},
		{"schema", `wait: 1.5e3ms`},
		{"schema", `wait: +1s`},
		{"schema", `wait: 1d`},
		{"schema", `impair: {link: l1, loss: 101%}`},
		{"schema", `impair: {link: l1, loss: 5}`},
		{"schema", `impair: {link: l1, loss: "+5%"}`},
		{"schema", `impair: {link: l1, rate: 10M}`},
		{"schema", `impair: {link: l1, rate: 0x10bit}`},
		{"schema", `impair: {link: l1, queue: -1}`},
		{"schema", `impair: {link: l1, queue: 1048577}`},
		{"schema", `impair: {link: l1}`},
		{"schema", `expect: {socket: s, state: open}`},
		{"schema", `expect: {node: a, event: ""}`},
		{"schema", `expect: {node: a, event: "//"}`},
		{"schema", `expect: {node: a, event: x, count: 1, max: 2}`},
		{"schema", `expect: {node: a, interface: eth0, counter: ip-forwarded, min: 1}`},
		{"schema", `expect: {node: a, counter: rx-frames}`},
		{"schema", `expect: {node: a, counter: rx-frames, equals: 1, max: 2}`},
		{"schema", `expect: {node: a, counter: "Rx Frames", min: 1}`},
		{"schema", `expect: {node: a, interface: eth0}`},
		{"schema", `expect: {node: a, interface: eth0, up: true, min: 1}`},
		{"schema", `expect: {socket: s, mtu: 1400}`},
		{"schema", `expect: {socket: s, error: EPERM}`},
		{"schema", `expect: {ping: p}`},
		{"schema", `expect: {ping-replies: 1, within: forever}`},
		{"schema", `send: {socket: s, to: 10.0.0.1:7, data: x, size: 1}`},
		{"schema", `send: {socket: s, to: 10.0.0.1:7}`},
		{"schema", `send: {socket: s, to: 10.0.0.1:7, data: 5}`},
		{"schema", `send: {socket: s, to: "10.0.0.1:00007", data: x}`},
		{"schema", `send: {socket: s, to: "10.0.0.1:65536", data: x}`},
		{"schema", `set-interface: {node: a, name: eth0}`},
		{"schema", `set-interface: {node: a, name: eth0, mtu: 575}`},
		{"schema", `set-interface: {node: a, name: eth0, address: 10.0.0.1}`},
		{"schema", `set-interface: {node: a, name: eth0, address: 10.0.0.1/0}`},
		{"schema", `set-interface: {node: a, name: eth0, up: "yes"}`},
		{"schema", `set-interface: {node: a, name: eth0, address: }`},
		{"schema", `add-interface: {node: a, name: eth-1}`},
		{"schema", `add-interface: {node: a, name: averyveryverylongname}`},
		{"schema", `add-interface: {node: a, name: eth9, mac: "01:00:00:00:00:01"}`},
		{"schema", `add-interface: {node: a, name: eth9, mac: "02:00:00:00:00:0g"}`},
		{"schema", `add-interface: {node: a, name: eth9, mac: "02:00-00:00:00:01"}`},
		{"schema", `ping: {from: a, to: 10.0.0.256}`},
		{"schema", `ping: {from: a, to: "fd00::1"}`},
		{"schema", `ping: {from: a, to: 010.0.0.1}`},
		{"schema", `ping: {from: a, to: 10.0.0.2, count: 0}`},
		{"schema", `ping: {from: a, to: 10.0.0.2, count: 2.5}`},
		{"schema", `ping: {from: a, to: 10.0.0.2, colour: red}`},
		{"schema", `ping: {from: a}`},
		{"schema", `ping: {from: "", to: 10.0.0.2}`},
		{"schema", `ping: {from: [a], to: 10.0.0.2}`},
		{"schema", `ping: {from: a, to: 10.0.0.2, id: P}`},
		{"schema", `ping: {from: a, to: 10.0.0.2, id: 7}`},
		{"ok", `socket: {node: a, id: t, proto: tcp}`},
		{"ok", `socket: {node: a, id: t, proto: tcp, bind: "0.0.0.0:80", listen: true, backlog: 4096}`},
		{"ok", `socket: {node: a, id: t, proto: tcp, connect: "10.0.0.2:80", within: 1s}`},
		{"ok", "socket: {node: a, id: l, proto: tcp, listen: true}\n  - accept: {socket: l, id: c, within: 0s}\n  - send: {socket: c, size: 1073741824, count: 2}\n  - recv: {socket: c, bytes: 10, within: 1s}\n  - expect: {socket: c, tcp-state: CLOSE-WAIT, bytes-received: 10, intact: true}\n  - close: {socket: c, reset: true}"},
		{"ok", `http-get: {from: a, url: "http://10.0.0.2:8080/x?y", status: 404, body-contains: Hello, within: 1s}`},
		{"ok", `http-get: {from: a, url: "http://10.0.0.2"}`},
		{"ok", "name: n\nnodes: {a: {apps: [http, {http: {port: 8080}}, {udp-echo: {port: 80}}]}}\n"},
		{"schema", `socket: {node: a, id: t, proto: sctp}`},
		{"schema", `socket: {node: a, id: t, listen: true}`},
		{"schema", `socket: {node: a, id: t, proto: tcp, broadcast: true}`},
		{"schema", `socket: {node: a, id: t, proto: tcp, backlog: 4}`},
		{"schema", `socket: {node: a, id: t, proto: tcp, listen: true, backlog: 0}`},
		{"schema", `socket: {node: a, id: t, proto: tcp, listen: true, connect: "10.0.0.2:80"}`},
		{"schema", `socket: {node: a, id: t, proto: tcp, within: 1s}`},
		{"schema", `accept: {socket: s}`},
		{"schema", `recv: {socket: s, count: 1, bytes: 1}`},
		{"schema", `close: {socket: s, reset: yes}`},
		{"schema", `expect: {socket: s, tcp-state: established}`},
		{"schema", `expect: {socket: s, state: bound, intact: true}`},
		{"schema", `http-get: {from: a, url: "https://10.0.0.2/"}`},
		{"schema", `http-get: {from: a, url: "http://example.com/"}`},
		{"schema", `http-get: {from: a, url: "http://10.0.0.2:0/"}`},
		{"schema", `http-get: {from: a, url: "http://10.0.0.2/", status: 600}`},
		{"schema", "name: n\nnodes: {a: {apps: [{http: {port: 0}}]}}\n"},
		{"loader", `http-get: {from: a, url: "http://10.0.0.2:65536/"}`},
		{"loader", `http-get: {from: a, url: "http://0.0.0.0/"}`},
		{"loader", `http-get: {from: z, url: "http://10.0.0.2/"}`},
		{"loader", "name: n\nclock: virtual\nnodes: {a: {apps: [http]}}\n"},
		{"loader", "name: n\nnodes: {a: {apps: [http, {http: {port: 80}}]}}\n"},
		{"loader", `accept: {socket: s, id: c}`},
		{"loader", `send: {socket: s, to: 10.0.0.1:7, size: 65508}`},
		{"loader", `recv: {socket: s, bytes: 10}`},
		{"loader", `close: {socket: s, reset: true}`},
		{"loader", `expect: {socket: s, tcp-state: ESTABLISHED}`},
		{"loader", "socket: {node: a, id: t, proto: tcp, connect: \"10.0.0.2:80\"}\n  - send: {socket: t, to: 10.0.0.2:80, data: x}"},
		{"loader", "socket: {node: a, id: t, proto: tcp}\n  - send: {socket: t, data: x}"},
		{"loader", "socket: {node: a, id: t, proto: tcp, listen: true}\n  - recv: {socket: t, bytes: 1}"},
		{"schema", `socket: {node: a, id: t, bind: "10.0.0.1:65536"}`},
		{"schema", `remove-route: {node: a}`},
		{"schema", `add-route: {node: a, to: 10.1.0.0/16}`},
		{"schema", "at: 1s\n    after: 1s\n    wait: 1s"},
		{"schema", `name: nothing`},
		{"schema", "wait: 1s\n    close: {socket: s}"},
		{"schema", `close: {}`},
		{"schema", `close:`},

		{"ok", `bind: {socket: s, address: "0.0.0.0:6000"}`},
		{"ok", `bind: {socket: s, address: 10.0.0.2:0}`},
		{"ok", `connect: {socket: s, to: 10.0.0.1:7}`},
		{"ok", "bind: {socket: s, address: 10.0.0.2:6000}\n  - connect: {socket: s, to: 10.0.0.1:7}\n  - connect: {socket: s, to: 10.0.0.1:9}\n  - send: {socket: s, data: x}"},
		{"ok", "socket: {node: a, id: t, proto: tcp}\n  - bind: {socket: t, address: 10.0.0.1:5000}\n  - connect: {socket: t, to: 10.0.0.2:80, within: 1s}\n  - send: {socket: t, data: x}"},
		{"schema", `bind: {socket: s}`},
		{"schema", `bind: {socket: s, address: 10.0.0.1}`},
		{"schema", `bind: {socket: s, address: 0.0.0.0:6000, to: 10.0.0.1:7}`},
		{"schema", `bind: 0.0.0.0:6000`},
		{"schema", `connect: {to: 10.0.0.1:7}`},
		{"schema", `connect: {socket: s, to: "10.0.0.1:65536"}`},
		{"schema", `connect: {socket: s, to: 10.0.0.1:7, within: soon}`},
		{"schema", `connect: {socket: s, address: 10.0.0.1:7}`},
		{"schema", "connect: {socket: s, to: 10.0.0.1:7}\n    bind: {socket: s, address: 0.0.0.0:1}"},
		{"loader", `bind: {socket: z, address: 0.0.0.0:6000}`},
		{"loader", `connect: {socket: z, to: 10.0.0.1:7}`},
		{"loader", `connect: {socket: s, to: 0.0.0.0:7}`},
		{"loader", `connect: {socket: s, to: 10.0.0.1:0}`},
		{"loader", `connect: {socket: s, to: 10.0.0.1:7, within: 1s}`},
		{"loader", "send: {socket: s, to: 10.0.0.1:7, data: x}\n  - bind: {socket: s, address: 0.0.0.0:6000}"},
		{"loader", "socket: {node: a, id: t, proto: tcp, connect: \"10.0.0.2:80\"}\n  - connect: {socket: t, to: 10.0.0.2:80}"},
		{"loader", "socket: {node: a, id: t, proto: tcp, listen: true}\n  - connect: {socket: t, to: 10.0.0.2:80}"},
		{"loader", "socket: {node: a, id: t, proto: tcp}\n  - connect: {socket: t, to: 10.0.0.2:80, within: 0s}"},
		{"schema", `recv: {socket: s, within: soon}`},
		{"schema", `pnig: {from: a, to: 10.0.0.2}`},
		{"schema", `name: 3
    wait: 1s`},

		{"ok", `dhcp-start: {node: a, interface: eth0}`},
		{"ok", `dhcp-start: {node: a, interface: eth0, hostname: a-1, client-id: "01:02", requested-address: 10.0.0.7}`},
		{"ok", `dhcp-stop: {node: a, interface: eth0}`},
		{"ok", `dhcp-release: {node: a, interface: eth0}`},
		{"ok", `dhcp-renew: {node: a, interface: eth0}`},
		{"ok", `dhcp-inform: {node: a, interface: eth0, hostname: a}`},
		{"ok", `dhcp-server-start: {node: a, interface: eth0, pool: 10.0.0.100-10.0.0.100, lease: 2m, router: 10.0.0.1, dns: [10.0.0.1, 10.0.0.2], t1: 1m, t2: 90s, reservations: [{mac: "02:00:00:00:00:99", address: 10.0.0.99}]}`},
		{"ok", `dhcp-server-stop: {node: a, interface: eth0}`},
		{"ok", `expect: {node: a, interface: eth0, dhcp: INIT-REBOOT, lease-address: none, lease-server: 10.0.0.2, lease-router: none, renewed: 0, rebound: 1, expired: 2, within: 1h}`},
		{"ok", `expect: {node: a, interface: eth0, renewed: 1}`},
		{"ok", "name: n\nnodes:\n  a:\n    interfaces: {eth0: {address: 10.0.0.1/24}, eth1: {dhcp: false, address: 10.1.0.1/24}, eth2: {dhcp: {}}, eth3: {dhcp: {hostname: x}}}\n    dhcp-server: {eth0: {pool: 10.0.0.2-10.0.0.254}}\n"},
		{"schema", `expect: {node: a, interface: eth0, dhcp: Bound}`},
		{"schema", `expect: {node: a, interface: eth0, dhcp: BOUND, mtu: 1500}`},
		{"schema", `expect: {node: a, interface: eth0, dhcp: BOUND, min: 1}`},
		{"schema", `expect: {node: a, dhcp: BOUND}`},
		{"schema", `expect: {node: a, interface: eth0, renewed: 1.5}`},
		{"schema", `expect: {node: a, interface: eth0, lease-router: 10.0.0.1/24}`},
		{"schema", `dhcp-start: {node: a, interface: eth0, hostname: ""}`},
		{"schema", `dhcp-start: {node: a, interface: eth0, hostname: "a b"}`},
		{"schema", `dhcp-start: {node: a, interface: eth0, pool: 10.0.0.1-10.0.0.2}`},
		{"schema", `dhcp-stop: {node: a, interface: eth0, hostname: a}`},
		{"schema", `dhcp-inform: {node: a, interface: eth0, requested-address: 10.0.0.2}`},
		{"schema", `dhcp-server-start: {node: a, interface: eth0}`},
		{"schema", `dhcp-server-start: {node: a, interface: eth0, pool: 10.0.0.100}`},
		{"loader", `dhcp-server-start: {node: a, interface: eth0, pool: 10.0.0.100-10.0.0.99}`},
		{"schema", `dhcp-server-start: {node: a, interface: eth0, pool: 10.0.0.2-10.0.0.9, dns: 10.0.0.1}`},
		{"loader", `dhcp-server-start: {node: a, interface: eth0, pool: 10.0.0.2-10.0.0.9, lease: 0s}`},
		{"schema", `dhcp-server-start: {node: a, interface: eth0, pool: 10.0.0.2-10.0.0.9, reservations: [{mac: "02:00:00:00:00:99"}]}`},
		{"schema", `dhcp-server-stop: {node: a}`},
		{"schema", "name: n\nnodes: {a: {interfaces: {eth0: {dhcp: on}}}}\n"},
		{"schema", "name: n\nnodes: {a: {interfaces: {eth0: {dhcp: {lease: 1h}}}}}\n"},
		{"schema", "name: n\nnodes: {a: {interfaces: {eth0: {address: 10.0.0.1/24}}, dhcp-server: {eth0: {}}}}\n"},
		{"schema", "name: n\nnodes: {sw: {kind: switch, dhcp-server: {eth0: {pool: 10.0.0.2-10.0.0.9}}}}\n"},
		{"loader", `dhcp-renew: {node: a, interface: eth9}`},
		{"loader", `dhcp-server-start: {node: b, interface: eth0, pool: 10.0.0.2-10.0.0.9, t1: 2h}`},
		{"loader", `dhcp-server-start: {node: a, interface: eth0, pool: 10.0.0.2-10.0.0.9, t1: 20m, t2: 10m}`},
		{"loader", `dhcp-server-start: {node: a, interface: eth0, pool: 10.0.0.2-10.0.0.9, reservations: [{mac: "02:00:00:00:00:99", address: 10.0.0.9}, {mac: "02:00:00:00:00:99", address: 10.0.0.8}]}`},
		{"loader", `expect: {node: a, interface: eth9, dhcp: BOUND}`},
		{"loader", "name: n\nnodes: {a: {interfaces: {eth0: {address: 10.0.0.1/24, dhcp: true}}}}\n"},
		{"loader", "name: n\nnodes: {a: {interfaces: {eth0: {up: false, dhcp: true}}}}\n"},
		{"loader", "name: n\nnodes: {a: {interfaces: {eth0: }, dhcp-server: {eth0: {pool: 10.0.0.2-10.0.0.9}}}}\n"},
		{"loader", "name: n\nnodes: {a: {interfaces: {eth0: {address: 10.0.0.1/24}}, dhcp-server: {eth0: {pool: 10.1.0.2-10.1.0.9}}}}\n"},
		{"loader", "name: n\nnodes: {a: {interfaces: {eth0: {address: 10.0.0.1/24}}, dhcp-server: {eth1: {pool: 10.0.0.2-10.0.0.9}}}}\n"},
		{"loader", `wait: 100000000000h`},
		{"loader", `impair: {link: l9, loss: 1%}`},
		{"loader", `impair: {link: l1, rate: 0.1bit}`},
		{"loader", `impair: {link: l1, rate: 2000Gbit}`},
		{"loader", `expect: {node: z, counter: x, min: 1}`},
		{"loader", `expect: {node: a, counter: rx-frames, min: 2, max: 1}`},
		{"loader", `expect: {node: a, event: "/(/"}`},
		{"loader", `expect: {node: a, interface: eth9, up: true}`},
		{"loader", `expect: {node: a, interface: eth0, address: 10.0.0.0/24}`},
		{"loader", `expect: {ping: q, ping-replies: 1}`},
		{"loader", `expect: {socket: t, state: bound}`},
		{"loader", `send: {socket: nope, to: 10.0.0.1:7, data: x}`},
		{"loader", `send: {socket: s, data: x}`},
		{"loader", `send: {socket: s, to: 10.0.0.1:0, data: x}`},
		{"loader", `send: {socket: s, to: 0.0.0.0:7, data: x}`},
		{"loader", `ping: {from: a, to: 0.0.0.0}`},
		{"loader", `ping: {from: a, to: 10.0.0.2, timeout: 0s}`},
		{"loader", `ping: {from: a, to: 10.0.0.2, id: p}`},
		{"loader", `add-route: {node: a, to: 10.1.2.3/16, via: 10.0.0.2}`},
		{"loader", `add-route: {node: a, to: 10.1.0.0/16, via: 0.0.0.0}`},
		{"loader", `set-interface: {node: a, name: eth0, address: 10.0.0.0/24}`},
		{"loader", `set-interface: {node: a, name: eth0, address: 127.0.0.1/8}`},
		{"loader", `set-interface: {node: a, name: eth0, address: 10.0.0.255/24}`},
		{"loader", `add-interface: {node: a, name: eth0}`},
		{"loader", `add-interface: {node: a, name: eth9, mac: "02:00:00:00:02:00"}`},
		{"loader", `socket: {node: b, id: s}`},
		{"loader", `socket: {node: a, id: t, connect: 10.0.0.2:0}`},
		{"loader", "at: 1s\n    wait: 1s"},
		{"loader", `remove-interface: {node: a, name: eth1}`},

		{"ok", "name: whole\nclock: real\nseed: 0\ndescription: |\n  Two lines\n  of text.\nnodes:\n  a:\n  sw: {kind: switch}\n  r:\n    kind: stack\n    forwarding: true\n    interfaces: {eth0: , eth1: {up: false}}\n    routes: [{to: 10.9.0.0/16, interface: eth0}]\n    arp: [{address: 10.0.0.9, mac: 02-00-00-00-00-09}]\n    apps: [udp-echo, {udp-discard: }, {udp-source: {to: 10.0.0.9:9, count: 0}}]\nlinks: [{endpoints: [r:eth0, sw]}, {endpoints: [sw, r:eth1], impair: &i {loss: 1%}}]\nsteps:\n"},
		{"ok", "name: anchors\nnodes:\n  a: &n {interfaces: {eth0: {address: 10.0.0.1/24}}}\n  b: {interfaces: {eth0: {address: 10.0.0.2/24}}}\nlinks:\n  - {endpoints: [a:eth0, b:eth0], impair: &slow {delay: 5ms}}\nsteps:\n  - impair: {link: l1, loss: 1%}\n"},
		{"schema", "name: n\nnodes: {}\n"},
		{"schema", "name: n\nnodes: {a: {kind: switch, forwarding: true}}\n"},
		{"schema", "name: n\nnodes: {a: {kind: router}}\n"},
		{"schema", "name: n\nnodes: {A: {}}\n"},
		{"schema", "name: n\nnodes: {thisnameistoolong: {}}\n"},
		{"schema", "name: n\nnodes: {a: {interfaces: {eth0: {mtu: }}}}\n"},
		{"schema", "name: n\nnodes: {a: {interfaces: [eth0]}}\n"},
		{"schema", "name: n\nnodes: {a: {apps: [udp-source]}}\n"},
		{"schema", "name: n\nnodes: {a: {apps: [{udp-echo: {port: 0}}]}}\n"},
		{"schema", "name: n\nnodes: {a: {apps: [{udp-echo: 7}]}}\n"},
		{"schema", "name: n\nnodes: {a: {interfaces: {eth0: }}}\nlinks: [{endpoints: [a:eth0]}]\n"},
		{"schema", "name: n\nnodes: {a: {interfaces: {eth0: }}}\nlinks: [{endpoints: [a:eth0, ':x']}]\n"},
		{"schema", "name: n\nnodes: {a: {interfaces: {eth0: }}}\nlinks: [{endpoints: [a:eth0, b], type: wire}]\n"},
		{"ok", "name: n\nnodes: {k: {kind: kernel, interfaces: {t0: {address: 10.9.0.1/24, mtu: 1400}}, routes: [{to: 10.8.0.0/16, via: 10.9.0.2}], forwarding: true}, s: {interfaces: {eth0: }}}\nlinks: [{endpoints: [k:t0, s:eth0], type: tap}]\nsteps: [{exec: {node: k, run: ip a, within: 2s}}, {expect: {exit: 0, output-contains: t0}}, {exec: {node: k, run: sleep 9, background: true}}]\n"},
		{"schema", "name: n\nnodes: {k: {kind: kernel, interfaces: {t0: {dhcp: true}}}, s: {interfaces: {eth0: }}}\nlinks: [{endpoints: [k:t0, s:eth0], type: tap}]\n"},
		{"schema", "name: n\nnodes: {k: {kind: kernel, arp: []}}\n"},
		{"ok", "name: n\nnodes: {a: {interfaces: {eth0: }}, b: {interfaces: {eth0: }}}\nlinks: [{endpoints: [a:eth0, b:eth0], type: tap-pair, impair: {delay: 1ms}, capture: true}]\n"},
		{"loader", "name: n\nclock: virtual\nnodes: {a: {interfaces: {eth0: }}, b: {interfaces: {eth0: }}}\nlinks: [{endpoints: [a:eth0, b:eth0], type: tap-pair}]\n"},
		{"loader", "name: n\nnodes: {a: {interfaces: {eth0: }}, sw: {kind: switch}}\nlinks: [{endpoints: [a:eth0, sw], type: tap-pair}]\n"},
		{"loader", "name: n\nnodes: {k: {kind: kernel, interfaces: {t0: }}, s: {interfaces: {eth0: }}}\nlinks: [{endpoints: [k:t0, s:eth0]}]\n"},
		{"loader", "name: n\nnodes: {k: {kind: kernel, interfaces: {t0: }}}\n"},
		{"schema", "name: n\nnodes: {k: {kind: kernel}}\nsteps: [{exec: {node: k, run: x, background: true, within: 1s}}]\n"},
		{"schema", "name: n\nnodes: {k: {kind: kernel}}\nsteps: [{exec: {node: k, run: ' '}}]\n"},
		{"schema", "name: n\nnodes: {k: {kind: kernel}}\nsteps: [{exec: {node: k}}]\n"},
		{"schema", "name: n\nnodes: {k: {kind: kernel}}\nsteps: [{exec: {node: k, run: x}}, {expect: {exit: 256}}]\n"},
		{"loader", "name: n\nnodes: {k: {kind: kernel}}\nsteps: [{expect: {exit: 0}}]\n"},
		{"loader", "name: n\nnodes: {a: }\nsteps: [{exec: {node: a, run: x}}]\n"},
		{"loader", "name: n\nclock: virtual\nnodes: {k: {kind: kernel}}\n"},
		{"schema", "name: N\nnodes: {a: }\n"},
		{"schema", "name: n\nseed: -1\nnodes: {a: }\n"},
		{"schema", "name: n\nclock: fast\nnodes: {a: }\n"},
		{"schema", "name: n\nnodes: {a: }\nsteps: {wait: 1s}\n"},
		{"schema", "nodes: {a: }\n"},
		{"schema", "- name: n\n"},
		{"loader", "name: n\nnodes: {a: {interfaces: {eth0: , eth1: }}, sw: {kind: switch}}\nlinks: [{endpoints: [a:eth0, sw]}, {endpoints: [a:eth0, sw]}]\n"},
		{"loader", "name: n\nnodes: {a: {interfaces: {eth0: }}}\nlinks: [{endpoints: [a:eth0, a:eth0]}]\n"},
		{"loader", "name: n\nnodes: {a: {interfaces: {eth0: {mac: \"02:00:00:00:00:01\"}, eth1: {mac: \"02:00:00:00:00:01\"}}}}\n"},
		{"loader", "name: n\nnodes: {a: {apps: [udp-echo, {udp-discard: {port: 7}}]}}\n"},
		{"loader", "name: n\nnodes: {a: {routes: [{to: 10.0.0.0/8, via: 0.0.0.0}]}}\n"},
		{"loader", "name: n\nnodes: {a: {routes: [{to: 10.0.0.0/8, interface: eth0}]}}\n"},
		{"loader", "name: n\nnodes: {a: {apps: [{udp-source: {to: 10.0.0.2:7, interval: 0s}}]}}\n"},
		{"loader", "name: n\nnodes: {a: {interfaces: {eth0: {address: 10.0.0.0/24}}}}\n"},
		{"loader", "name: n\nnodes: {a: {}}\nlinks: [{endpoints: [a:eth0, b:eth0]}]\n"},
		{"loader", "name: n\nnodes: {a: {}, b: {}}\nlinks: [{id: x, endpoints: [a, b]}]\n"},
	}
	for i, c := range cases {
		src := c.src
		if !strings.Contains(src, "\nnodes:") {
			src = schemaCaseBase + src + "\n"
		}
		_, lerr := Load("case.yaml", []byte(src))
		serr := schemaVerdict(sch, []byte(src))
		var ok bool
		switch c.class {
		case "ok":
			ok = lerr == nil && serr == nil
		case "schema":
			ok = lerr != nil && serr != nil
		case "loader":
			ok = lerr != nil && serr == nil
		}
		if !ok {
			t.Errorf("case %d (%s): %s\n  loader: %v\n  schema: %v", i, c.class, c.src, lerr, serr)
		}
	}
}
