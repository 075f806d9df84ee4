package labs

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestDocsExamples checks every YAML example of docs/labs.md: a whole lab
// loads and matches the schema; a fragment (nodes, links, steps) matches
// the schema once wrapped into a lab.
func TestDocsExamples(t *testing.T) {
	doc, err := os.ReadFile("../docs/labs.md")
	if err != nil {
		t.Fatal(err)
	}
	sch := compileSchema(t)
	fence := regexp.MustCompile("(?m)^( *)```yaml\n((?:.*\n)*?)^ *```$")
	blocks := fence.FindAllStringSubmatch(string(doc), -1)
	if len(blocks) < 10 {
		t.Fatalf("found %d YAML examples", len(blocks))
	}
	for _, b := range blocks {
		indent, body := b[1], b[2]
		var lines []string
		for _, l := range strings.SplitAfter(body, "\n") {
			lines = append(lines, strings.TrimPrefix(l, indent))
		}
		src := strings.Join(lines, "")
		first := strings.TrimSpace(strings.SplitN(strings.TrimLeft(src, "\n"), "\n", 2)[0])
		var lab string
		whole := false
		switch {
		case strings.Contains(src, "\nnodes:") && strings.Contains(src, "name:"):
			lab, whole = src, true
		case strings.HasPrefix(first, "nodes:"):
			lab = "name: doc\n" + src
		case strings.HasPrefix(first, "links:"):
			lab = "name: doc\nnodes: {a: }\n" + src
		case strings.HasPrefix(first, "- "), strings.HasPrefix(first, "#"):
			lab = "name: doc\nnodes: {a: }\nsteps:\n" + src
		default:
			t.Errorf("an example that is neither a lab nor a fragment:\n%s", src)
			continue
		}
		if err := schemaVerdict(sch, []byte(lab)); err != nil {
			t.Errorf("example does not match the schema:\n%s\n%v", src, err)
		}
		if whole {
			if _, err := Load("doc.yaml", []byte(lab)); err != nil {
				t.Errorf("example does not load:\n%s\n%v", src, err)
			}
		}
	}
}
