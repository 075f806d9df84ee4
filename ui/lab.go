package ui

import (
	"fmt"
	"strconv"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/netlab/netlab/labs/run"
)

// labPanel shows the lab's steps with their outcomes as they run: ✔
// passed, ✘ failed, ▶ running, · pending.
type labPanel struct {
	tablePanel
	data  *Data
	steps []run.StepResult
}

var stepWidths = []int{1, 3, 22, 0}

func newLabPanel(e *env) *labPanel {
	p := &labPanel{}
	p.env = e
	p.list = newList(e, 1, nil, "this lab has no steps")
	return p
}

func (p *labPanel) Title() string {
	t := "Lab"
	if p.data != nil && p.data.Lab != nil {
		t += ": " + p.data.Lab.Name
	}
	passed, failed := 0, 0
	for _, s := range p.steps {
		switch s.Status {
		case run.Passed:
			passed++
		case run.Failed:
			failed++
		}
	}
	if len(p.steps) > 0 {
		t += fmt.Sprintf(" · %d/%d passed", passed, len(p.steps))
		if failed > 0 {
			t += fmt.Sprintf(", %d failed", failed)
		}
	}
	if p.data != nil && p.data.Report != nil && p.data.Report.Error != "" {
		t += " · " + p.data.Report.Error
	}
	return p.titled(t)
}

func (p *labPanel) SetData(d *Data) {
	p.data = d
	p.steps = d.Steps
	p.list.setRows(p)
}

func (p *labPanel) Len() int { return len(p.steps) }

func (p *labPanel) Text(i int) string {
	s := p.steps[i]
	return s.Name + " " + s.Detail + " " + string(s.Status)
}

func (p *labPanel) Row(i, w int) []string {
	st := p.env.styles
	s := p.steps[i]
	var mark, detail string
	switch s.Status {
	case run.Passed:
		mark, detail = st.OK.Render("✔"), s.Detail
	case run.Failed:
		mark, detail = st.Err.Render("✘"), st.Err.Render(s.Detail)
	case run.Running:
		mark, detail = st.Warn.Render("▶"), "running…"
	case run.Skipped:
		mark, detail = "–", "skipped"
	default:
		mark, detail = st.Dim.Render("·"), st.Dim.Render("pending")
	}
	if s.Status == run.Passed || s.Status == run.Failed {
		detail = fmt.Sprintf("%s %s", fmtEventTime(s.At)+"s", detail)
	}
	return []string{col(w, stepWidths, mark, strconv.Itoa(s.Index), s.Name, detail)}
}

func (p *labPanel) Keys() []key.Binding { return p.env.keys.listKeys() }

func (p *labPanel) Update(msg tea.Msg) tea.Cmd {
	cmd, _ := p.updateList(msg)
	return cmd
}
