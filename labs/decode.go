package labs

import (
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// maxVisits bounds the YAML nodes one Load decodes, counting each alias
// expansion again, so that a small file of nested aliases cannot make it
// work for ever.
const maxVisits = 1 << 20

// decoder walks goccy/go-yaml's AST of a lab file. It collects every error
// it finds instead of stopping at the first, and records where each YAML
// path it visits is, for validation errors and Lab.Position.
type decoder struct {
	file    string
	errs    ErrorList
	pos     map[string]Pos
	anchors map[string][]*ast.AnchorNode // by name, in file order
	visits  int
	tooBig  bool
	dropped int // errors not kept, past maxCollected
}

// maxCollected is how many errors a decoder keeps: Load reports the first
// maxErrors of them in file order, and a file with that many mistakes is
// not worth the time of finding them all.
const maxCollected = 10 * maxErrors

// errorf records an error at pos for path.
func (d *decoder) errorf(pos Pos, path, format string, args ...any) {
	if d.tooBig {
		return // what follows comes from nodes that were not expanded
	}
	if len(d.errs) >= maxCollected {
		d.dropped++
		return
	}
	d.errs = append(d.errs, &Error{File: d.file, Pos: pos, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// pointf is errorf for a mistake about a whole mapping (a key it lacks, a
// combination of keys), which its position (its first key, or its
// opening brace) only points at: the excerpt underlines nothing.
func (d *decoder) pointf(pos Pos, path, format string, args ...any) {
	n := len(d.errs)
	d.errorf(pos, path, format, args...)
	if len(d.errs) > n {
		d.errs[n].point = true
	}
}

// tokenPos returns the position of a token.
func tokenPos(tk *token.Token) Pos {
	if tk == nil || tk.Position == nil {
		return Pos{}
	}
	return Pos{Line: tk.Position.Line, Column: tk.Position.Column}
}

// nodePos returns where n starts in the source: a block mapping starts at
// its first key (goccy's token for it is the first ':').
func nodePos(n ast.Node) Pos {
	switch n := n.(type) {
	case nil:
		return Pos{}
	case *ast.MappingNode:
		if !n.IsFlowStyle && len(n.Values) > 0 && n.Values[0].Key != nil {
			return nodePos(n.Values[0].Key)
		}
	case *ast.MappingValueNode:
		if n.Key != nil {
			return nodePos(n.Key)
		}
	}
	return tokenPos(n.GetToken())
}

// resolve follows anchors, aliases and tags to the node that holds the
// value, reporting unknown aliases and tags. It returns nil for a null.
func (d *decoder) resolve(n ast.Node, path string) ast.Node {
	for range 64 {
		d.visits++
		if d.visits > maxVisits {
			if !d.tooBig {
				d.errorf(nodePos(n), path, "the lab is too large once its aliases are expanded")
				d.tooBig = true
			}
			return nil
		}
		switch v := n.(type) {
		case nil, *ast.NullNode:
			return nil
		case *ast.AnchorNode:
			n = v.Value
		case *ast.MappingKeyNode: // an explicit key: "? name"
			n = v.Value
		case *ast.TagNode:
			tag := ""
			if tk := v.GetToken(); tk != nil {
				tag = tk.Value
			}
			switch tag {
			case "!!str", "!!int", "!!float", "!!bool", "!!null", "!!map", "!!seq":
			default:
				d.errorf(nodePos(v), path, "unsupported tag %s", tag)
				return nil
			}
			n = v.Value
		case *ast.AliasNode:
			target := d.anchor(v)
			if target == nil {
				name := ""
				if v.Value != nil {
					name = v.Value.GetToken().Value
				}
				d.errorf(nodePos(v), path, "alias *%s refers to no earlier anchor &%s", name, name)
				return nil
			}
			n = target.Value
		default:
			return n
		}
	}
	d.errorf(nodePos(n), path, "too many nested anchors, aliases and tags")
	return nil
}

// anchor returns the latest anchor defined before alias with its name.
func (d *decoder) anchor(alias *ast.AliasNode) *ast.AnchorNode {
	if alias.Value == nil || alias.Value.GetToken() == nil || alias.GetToken() == nil || alias.GetToken().Position == nil {
		return nil
	}
	at := alias.GetToken().Position.Offset
	var found *ast.AnchorNode
	for _, a := range d.anchors[alias.Value.GetToken().Value] {
		if a.GetToken().Position.Offset < at {
			found = a
		}
	}
	return found
}

// collectAnchors records the anchors of a document.
func (d *decoder) collectAnchors(root ast.Node) {
	d.anchors = make(map[string][]*ast.AnchorNode)
	for _, n := range ast.Filter(ast.AnchorType, root) {
		a, ok := n.(*ast.AnchorNode)
		if !ok || a.Name == nil || a.Name.GetToken() == nil || a.GetToken() == nil || a.GetToken().Position == nil {
			continue
		}
		name := a.Name.GetToken().Value
		d.anchors[name] = append(d.anchors[name], a)
	}
}

// describe names the YAML type of a resolved node, for error messages.
func describe(n ast.Node) string {
	switch n.(type) {
	case nil:
		return "nothing"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.StringNode, *ast.LiteralNode:
		return fmt.Sprintf("the string %q", scalarText(n))
	}
	return scalarText(n)
}

// scalarText returns the text of a scalar as written (unquoted), or "" for
// a collection.
func scalarText(n ast.Node) string {
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value
	case *ast.LiteralNode:
		if v.Value != nil {
			return v.Value.Value
		}
		return ""
	case *ast.MappingNode, *ast.MappingValueNode, *ast.SequenceNode, nil:
		return ""
	}
	if tk := n.GetToken(); tk != nil {
		return tk.Value
	}
	return ""
}

// isScalar reports whether a resolved node is a scalar.
func isScalar(n ast.Node) bool {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode, *ast.SequenceNode, nil:
		return false
	}
	return true
}

// field is one key and value of a mapping.
type field struct {
	key    string
	keyPos Pos
	value  ast.Node // resolved; nil for a null
	pos    Pos      // the value's position, or the key's for a null or block collection
	path   string
	failed bool // resolving the value reported an error
	// reported is set once the field's missing value has been reported.
	reported bool
}

// object is a decoded mapping.
type object struct {
	d      *decoder
	path   string
	pos    Pos
	fields []*field
	byKey  map[string]*field
	// unknown counts the keys reported as unknown fields.
	unknown int
}

// emptyObject returns an object without fields, for a null mapping.
func (d *decoder) emptyObject(path string, pos Pos) *object {
	return &object{d: d, path: path, pos: pos, byKey: map[string]*field{}}
}

// object decodes the resolved node n at path as a mapping. With known
// keys, any other key is an error; with none, any key goes (an ordered
// map such as nodes). Duplicate keys are errors. It returns nil (after
// reporting it) when n is not a mapping; a nil n gives an empty object.
func (d *decoder) object(n ast.Node, path string, pos Pos, known ...string) *object {
	o := d.emptyObject(path, pos)
	var values []*ast.MappingValueNode
	switch m := n.(type) {
	case nil:
		return o
	case *ast.MappingNode:
		values = m.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{m}
	default:
		d.errorf(pos, path, "expected a mapping, got %s", describe(n))
		return nil
	}
	for _, mv := range values {
		if mv == nil || mv.Key == nil {
			continue
		}
		keyPos := nodePos(mv.Key)
		if _, merge := mv.Key.(*ast.MergeKeyNode); merge {
			d.errorf(keyPos, path, "merge keys (<<) are not supported")
			continue
		}
		keyNode := d.resolve(mv.Key, path)
		if !isScalar(keyNode) {
			d.errorf(keyPos, path, "a key must be a plain name, not %s", describe(keyNode))
			continue
		}
		key := scalarText(keyNode)
		f := &field{key: key, keyPos: keyPos, path: childPath(path, key)}
		if prev, dup := o.byKey[key]; dup {
			d.errorf(keyPos, f.path, "duplicate key %q (first at line %d)", key, prev.keyPos.Line)
			continue
		}
		if len(known) > 0 && !slices.Contains(known, key) {
			hint := suggest(key, known)
			if hint == "" {
				hint = " (fields: " + strings.Join(known, ", ") + ")"
			}
			d.errorf(keyPos, f.path, "unknown field %q%s", key, hint)
			o.unknown++
			continue
		}
		errs := len(d.errs)
		f.value = d.resolve(mv.Value, f.path)
		f.failed = len(d.errs) > errs
		f.pos = nodePos(mv.Value)
		if !isScalar(f.value) && !isFlow(f.value) {
			f.pos = keyPos
		}
		d.pos[f.path] = f.pos
		o.fields = append(o.fields, f)
		o.byKey[key] = f
	}
	return o
}

// isFlow reports whether n is a flow-style collection ({...} or [...]).
func isFlow(n ast.Node) bool {
	switch v := n.(type) {
	case *ast.MappingNode:
		return v.IsFlowStyle
	case *ast.SequenceNode:
		return v.IsFlowStyle
	}
	return false
}

// get returns the field for key, or nil when it is absent or null.
func (o *object) get(key string) *field {
	if o == nil {
		return nil
	}
	f := o.byKey[key]
	if f == nil || f.value == nil {
		return nil
	}
	return f
}

// scalar returns the field for key when it holds a value, nil when key is
// absent. A key with no value (null) is reported once: a scalar field
// needs one (a collection does not: use get).
func (o *object) scalar(key string) *field {
	if o == nil {
		return nil
	}
	f := o.byKey[key]
	if f == nil {
		return nil
	}
	if f.value == nil {
		if !f.failed && !f.reported {
			f.reported = true
			o.d.errorf(f.keyPos, f.path, "no value: give one, or leave %s out", key)
		}
		return nil
	}
	return f
}

// has reports whether key is present, even with a null value.
func (o *object) has(key string) bool {
	return o != nil && o.byKey[key] != nil
}

// elem is one element of a sequence.
type elem struct {
	value ast.Node // resolved
	pos   Pos
	path  string
}

// sequence decodes the resolved node n as a list; nil n gives an empty
// list, anything else not a list is reported and gives nil.
func (d *decoder) sequence(n ast.Node, path string, pos Pos) []elem {
	var out []elem
	switch s := n.(type) {
	case nil:
		return nil
	case *ast.SequenceNode:
		for i, v := range s.Values {
			p := indexPath(path, i)
			e := elem{value: d.resolve(v, p), pos: nodePos(v), path: p}
			d.pos[p] = e.pos
			out = append(out, e)
		}
		return out
	}
	d.errorf(pos, path, "expected a list, got %s", describe(n))
	return nil
}

// str decodes a string. Numbers and booleans are not strings: a string
// that looks like one must be quoted, as JSON Schema (and so editors)
// read YAML.
func (d *decoder) str(f *field) (string, bool) {
	switch f.value.(type) {
	case *ast.StringNode, *ast.LiteralNode:
		return scalarText(f.value), true
	}
	if isScalar(f.value) {
		d.errorf(f.pos, f.path, "expected a string, got %s (quote it: %q)", describe(f.value), scalarText(f.value))
	} else {
		d.errorf(f.pos, f.path, "expected a string, got %s", describe(f.value))
	}
	return "", false
}

// ref decodes a reference to something the lab names (a node, an
// interface, a socket...): a string that is not empty.
func (o *object) ref(key string, dst *string) bool {
	f := o.scalar(key)
	if f == nil {
		return false
	}
	v, ok := o.d.str(f)
	if !ok {
		return false
	}
	if v == "" {
		o.d.errorf(f.pos, f.path, "%s is empty: name what it refers to", key)
		return false
	}
	*dst = v
	return true
}

// integral returns the value of a float written with a zero fraction
// (2.0), which is an integer to JSON Schema too.
func integral(n ast.Node) (int64, bool) {
	fl, ok := n.(*ast.FloatNode)
	if !ok || fl.Value != math.Trunc(fl.Value) || math.Abs(fl.Value) > 1<<53 {
		return 0, false
	}
	return int64(fl.Value), true
}

// integer decodes an integer from lo to hi.
func (d *decoder) integer(f *field, lo, hi int64) (int64, bool) {
	if v, ok := integral(f.value); ok {
		if v < lo || v > hi {
			d.errorf(f.pos, f.path, "%s out of range (%d to %d)", scalarText(f.value), lo, hi)
			return 0, false
		}
		return v, true
	}
	n, ok := f.value.(*ast.IntegerNode)
	if !ok {
		d.errorf(f.pos, f.path, "expected an integer, got %s", describe(f.value))
		return 0, false
	}
	var v int64
	switch x := n.Value.(type) {
	case int64:
		v = x
	case uint64:
		if x > math.MaxInt64 {
			v = math.MaxInt64
		} else {
			v = int64(x)
		}
	default:
		d.errorf(f.pos, f.path, "expected an integer, got %s", describe(f.value))
		return 0, false
	}
	if v < lo || v > hi {
		d.errorf(f.pos, f.path, "%s out of range (%d to %d)", scalarText(n), lo, hi)
		return 0, false
	}
	return v, true
}

// uinteger decodes a non-negative 64-bit integer.
func (d *decoder) uinteger(f *field) (uint64, bool) {
	if v, ok := integral(f.value); ok && v >= 0 {
		return uint64(v), true
	}
	n, ok := f.value.(*ast.IntegerNode)
	if !ok {
		d.errorf(f.pos, f.path, "expected an integer, got %s", describe(f.value))
		return 0, false
	}
	switch x := n.Value.(type) {
	case uint64:
		return x, true
	case int64:
		if x >= 0 {
			return uint64(x), true
		}
	}
	d.errorf(f.pos, f.path, "expected a non-negative integer, got %s", scalarText(n))
	return 0, false
}

// boolean decodes true or false.
func (d *decoder) boolean(f *field) (bool, bool) {
	b, ok := f.value.(*ast.BoolNode)
	if !ok {
		d.errorf(f.pos, f.path, "expected true or false, got %s", describe(f.value))
		return false, false
	}
	return b.Value, true
}

// text decodes a scalar with parse, which says what is wrong with it.
func (d *decoder) text(f *field, parse func(string) error) bool {
	if !isScalar(f.value) {
		d.errorf(f.pos, f.path, "expected a scalar, got %s", describe(f.value))
		return false
	}
	if err := parse(scalarText(f.value)); err != nil {
		d.errorf(f.pos, f.path, "%v", err)
		return false
	}
	return true
}

// The typed getters below decode o's field key into dst when it is present
// and not null, and report whether they did.

func (o *object) str(key string, dst *string) bool {
	if f := o.scalar(key); f != nil {
		if v, ok := o.d.str(f); ok {
			*dst = v
			return true
		}
	}
	return false
}

func (o *object) int(key string, dst *int, lo, hi int64) bool {
	if f := o.scalar(key); f != nil {
		if v, ok := o.d.integer(f, lo, hi); ok {
			*dst = int(v)
			return true
		}
	}
	return false
}

func (o *object) bool(key string, dst *bool) bool {
	if f := o.scalar(key); f != nil {
		if v, ok := o.d.boolean(f); ok {
			*dst = v
			return true
		}
	}
	return false
}

func (o *object) text(key string, parse func(string) error) bool {
	if f := o.scalar(key); f != nil {
		return o.d.text(f, parse)
	}
	return false
}

func (o *object) duration(key string, dst *Duration) bool {
	return o.text(key, func(s string) error {
		return strict(s, reDuration, dst, "not a duration: %q (write a number and a unit, such as 500ms or 2s)")
	})
}

func (o *object) percent(key string, dst *Percent) bool {
	return o.text(key, func(s string) error {
		return strict(s, rePercent, dst, "not a percentage: %q (write a number from 0 to 100 and a %% sign, such as 5%% or 0.1%%)")
	})
}

func (o *object) rate(key string, dst *Rate) bool {
	return o.text(key, func(s string) error {
		return strict(s, reRate, dst, "not a rate: %q (write bits per second with a unit, such as 512kbit, 10Mbit or 1Gbit)")
	})
}

func (o *object) mac(key string, dst *MAC) bool {
	return o.text(key, func(s string) error {
		return strict(s, reMAC, dst, "not a MAC address: %q (write six hex bytes, such as 02:00:00:00:00:0a)")
	})
}

func (o *object) addr(key string, dst *netip.Addr) bool {
	return o.text(key, func(s string) (err error) { *dst, err = parseAddr(s); return err })
}

func (o *object) prefix(key string, dst *netip.Prefix) bool {
	return o.text(key, func(s string) (err error) { *dst, err = parsePrefix(s); return err })
}

func (o *object) addrPort(key string, dst *netip.AddrPort) bool {
	return o.text(key, func(s string) (err error) { *dst, err = parseAddrPort(s); return err })
}

// durationPtr decodes an optional duration into a new pointer.
func (o *object) durationPtr(key string) *Duration {
	var v Duration
	if o.duration(key, &v) {
		return &v
	}
	return nil
}

// intPtr decodes an optional integer into a new pointer.
func (o *object) intPtr(key string, lo, hi int64) *int {
	var v int
	if o.int(key, &v, lo, hi) {
		return &v
	}
	return nil
}

// uintPtr decodes an optional non-negative integer into a new pointer.
func (o *object) uintPtr(key string) *uint64 {
	if f := o.scalar(key); f != nil {
		if v, ok := o.d.uinteger(f); ok {
			return &v
		}
	}
	return nil
}

// boolPtr decodes an optional boolean into a new pointer.
func (o *object) boolPtr(key string) *bool {
	var v bool
	if o.bool(key, &v) {
		return &v
	}
	return nil
}

// percentPtr decodes an optional percentage into a new pointer.
func (o *object) percentPtr(key string) *Percent {
	var v Percent
	if o.percent(key, &v) {
		return &v
	}
	return nil
}

// fieldPath returns the path of key in o, whether or not it is present.
func (o *object) fieldPath(key string) string { return childPath(o.path, key) }

// require reports each of keys that o lacks (or holds null), as
// "missing <key>", and whether none was missing.
func (o *object) require(keys ...string) bool {
	if o == nil {
		return false
	}
	ok := true
	for _, k := range keys {
		f := o.byKey[k]
		switch {
		case f != nil && f.failed:
			ok = false
		case f == nil || f.value == nil:
			if f == nil || !f.reported {
				o.d.pointf(o.pos, o.path, "missing %s", k)
			}
			if f != nil {
				f.reported = true
			}
			ok = false
		}
	}
	return ok
}
