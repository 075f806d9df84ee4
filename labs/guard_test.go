package labs

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// hostileInputs are inputs built to make a YAML loader work for ever, blow
// its stack or its memory, or trip on bytes: each must give a positioned
// error, quickly. n scales the large ones: TestHostileInputs goes past
// every limit (n = 1); FuzzLoad starts from smaller ones (n = 50), which
// its mutations can grow.
func hostileInputs(n int) map[string]string {
	var blockDeep strings.Builder
	blockDeep.WriteString("name: x\nnodes:\n")
	for i := range 1300 / n {
		fmt.Fprintf(&blockDeep, "%s a:\n", strings.Repeat(" ", i))
	}
	var seqDeep strings.Builder
	for i := range 1400 / n {
		fmt.Fprintf(&seqDeep, "%s-\n", strings.Repeat(" ", i))
	}
	var laughs strings.Builder
	laughs.WriteString("name: laughs\nx0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i < 12; i++ {
		fmt.Fprintf(&laughs, "x%d: &x%d [", i, i)
		for j := range 10 {
			if j > 0 {
				laughs.WriteString(", ")
			}
			fmt.Fprintf(&laughs, "*x%d", i-1)
		}
		laughs.WriteString("]\n")
	}
	laughs.WriteString("nodes: *x11\n")
	var nested strings.Builder
	nested.WriteString("name: nested\nnodes:\n")
	for range 2000 / n {
		nested.WriteString("  a: " + strings.Repeat("[", 99) + strings.Repeat("]", 99) + "\n")
	}
	var manyErrors strings.Builder
	manyErrors.WriteString("name: many\nnodes: {a: {interfaces: {eth0: {address: 10.0.0.1/24}}}}\nsteps:\n")
	for range 20000 / n {
		manyErrors.WriteString("  - ping: {from: zz, to: 10.0.0.300, count: -1}\n")
	}
	// Thousands of interfaces on one node, then as many steps giving each
	// a subnet that holds the others' addresses.
	var addresses strings.Builder
	addresses.WriteString("name: addresses\nnodes:\n  a:\n    interfaces:\n")
	for i := range 7000 / n {
		fmt.Fprintf(&addresses, "      e%d: {mac: \"02:00:00:00:%02x:%02x\", address: 10.%d.%d.1/32}\n", i, i>>8, i&255, i>>8, i&255)
	}
	addresses.WriteString("steps:\n")
	for i := range 7000 / n {
		fmt.Fprintf(&addresses, "  - set-interface: {node: a, name: e%d, address: 10.%d.0.1/16}\n", i, i>>8)
	}
	return map[string]string{
		"addresses":        addresses.String(),
		"deep-flow":        strings.Repeat("[", 200000/n) + strings.Repeat("]", 200000/n),
		"deep-flow-map":    "name: x\nnodes: " + strings.Repeat("{a: ", 50000/n) + strings.Repeat("}", 50000/n),
		"deep-flow-open":   "name: x\nnodes: " + strings.Repeat("[", (1<<19)/n),
		"deep-block":       blockDeep.String(),
		"deep-block-seq":   strings.Repeat("- ", 100000/n) + "x\n",
		"deep-block-keys":  strings.Repeat("? ", 100000/n) + "x\n",
		"deep-indented":    seqDeep.String(),
		"billion-laughs":   laughs.String(),
		"nested-siblings":  nested.String(),
		"huge":             "name: huge\nnodes: {a: {}}\nsteps:\n" + strings.Repeat("  - wait: 1s\n", 100000/n),
		"huge-line":        "name: " + strings.Repeat("x", (1<<20)/n) + "\nnodes: {a: {}}\n",
		"many-errors":      manyErrors.String(),
		"invalid-utf8":     "name: x\nnodes:\n  a\xff: {}\n",
		"invalid-utf8-key": "name: \xc3\x28\nnodes: {a: {}}\n",
		"utf16":            "\xff\xfen\x00a\x00m\x00e\x00",
		"nul":              "name: x\x00\nnodes: {a: {}}\n",
		"control":          "name: \x1b[31mred\nnodes: {a: {}}\n",
		"alias-loop":       "a: &a [*a]\nname: x\nnodes: *a\n",
		"anchor-self-map":  "nodes: &n {a: *n}\nname: x\n",
		"tags":             "name: !!binary aGVsbG8=\nnodes: !custom {a: {}}\n",
		"merge-bomb":       "base: &b {x: 1}\nname: x\nnodes: {a: {<<: [*b, *b, *b]}}\n",
	}
}

// TestHostileInputs loads each hostile input with a time limit: Load must
// return an error with a position in the file, never panic nor hang.
func TestHostileInputs(t *testing.T) {
	for name, src := range hostileInputs(1) {
		t.Run(name, func(t *testing.T) {
			done := make(chan error, 1)
			start := time.Now()
			go func() {
				_, err := Load(name, []byte(src))
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				t.Fatalf("Load has not returned after 30s")
			}
			if err == nil {
				t.Fatalf("Load accepted it")
			}
			var list ErrorList
			var one *Error
			switch {
			case errors.As(err, &list):
				if len(list) > maxErrors {
					t.Errorf("%d errors, more than %d", len(list), maxErrors)
				}
				one = list[0]
			case errors.As(err, &one):
			default:
				t.Fatalf("error %T: %v", err, err)
			}
			if !one.Pos.IsValid() {
				t.Errorf("error without a position: %v", one)
			}
			msg := err.Error()
			if len(msg) > 64<<10 {
				t.Errorf("the error is %d bytes long", len(msg))
			}
			t.Logf("%v: %.200s", time.Since(start).Round(time.Millisecond), msg)
		})
	}
}

func TestInputLimits(t *testing.T) {
	ok := "name: ok\nnodes: {a: {}}\n# " + strings.Repeat("[", 500) + "\ndescription: '[[[[[[' \n"
	if _, err := Load("ok.yaml", []byte(ok)); err != nil {
		t.Errorf("brackets in comments and strings count as nesting: %v", err)
	}
	deep := "name: x\nnodes: {a: {}}\nsteps: " + strings.Repeat("[", MaxNesting+1) + strings.Repeat("]", MaxNesting+1) + "\n"
	var e *Error
	if _, err := Load("deep.yaml", []byte(deep)); !errors.As(err, &e) || e.Pos != (Pos{3, 8 + MaxNesting}) || !strings.Contains(e.Msg, "nest deeper") {
		t.Errorf("Load(deep) = %v", err)
	}
	if _, err := Load("big.yaml", []byte(strings.Repeat("#", MaxFileSize+1))); !errors.As(err, &e) || !strings.Contains(e.Msg, "at most") {
		t.Errorf("Load(big) = %v", err)
	}
	if _, err := Load("utf8.yaml", []byte("name: x\nnodes:\n  é\xff: {}\n")); !errors.As(err, &e) || e.Pos != (Pos{3, 4}) || !strings.Contains(e.Msg, "UTF-8") {
		t.Errorf("Load(utf8) = %v", err)
	}
}
