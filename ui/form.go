package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// Field is one input of a form.
type Field struct {
	Label string
	// Hint says what to type ("10.0.0.1/24"); shown as the placeholder.
	Hint  string
	Input textinput.Model
	// Check validates the text; nil accepts anything.
	Check func(string) error
	// Err is the field's validation error, shown under it.
	Err string
}

// Form is a small modal form: a title, some fields, and what to do with
// their values once every field is valid. Nothing is sent before that.
type Form struct {
	Title  string
	Fields []*Field
	focus  int
	submit func(vals []string) tea.Cmd
}

func newField(label, value, hint string, check func(string) error) *Field {
	in := textinput.New()
	in.Prompt = ""
	in.Placeholder = hint
	in.SetValue(value)
	in.CursorEnd()
	in.SetVirtualCursor(true)
	in.SetWidth(32)
	return &Field{Label: label, Hint: hint, Input: in, Check: check}
}

func newForm(title string, submit func(vals []string) tea.Cmd, fields ...*Field) *Form {
	f := &Form{Title: title, Fields: fields, submit: submit}
	f.setFocus(0)
	return f
}

func (f *Form) setFocus(i int) {
	if len(f.Fields) == 0 {
		return
	}
	f.focus = (i + len(f.Fields)) % len(f.Fields)
	for j, fl := range f.Fields {
		if j == f.focus {
			fl.Input.Focus()
		} else {
			fl.Input.Blur()
		}
	}
}

// Values returns the fields' texts.
func (f *Form) Values() []string {
	out := make([]string, len(f.Fields))
	for i, fl := range f.Fields {
		out[i] = fl.Input.Value()
	}
	return out
}

// Validate checks every field, records each error, and reports whether
// all are valid.
func (f *Form) Validate() bool {
	ok := true
	for _, fl := range f.Fields {
		fl.Err = ""
		if fl.Check != nil {
			if err := fl.Check(fl.Input.Value()); err != nil {
				fl.Err = err.Error()
				ok = false
			}
		}
	}
	return ok
}

// Update handles a key: done reports that the form is finished
// (submitted with valid values, or cancelled); cmd is the action.
func (f *Form) Update(msg tea.Msg, k *KeyMap) (done bool, cmd tea.Cmd) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		if len(f.Fields) > 0 {
			fl := f.Fields[f.focus]
			fl.Input, cmd = fl.Input.Update(msg)
		}
		return false, cmd
	}
	switch {
	case key.Matches(km, k.Cancel):
		return true, nil
	case key.Matches(km, k.Submit):
		if !f.Validate() {
			for i, fl := range f.Fields {
				if fl.Err != "" {
					f.setFocus(i)
					break
				}
			}
			return false, nil
		}
		return true, f.submit(f.Values())
	case key.Matches(km, k.NextField):
		f.setFocus(f.focus + 1)
		return false, nil
	case key.Matches(km, k.PrevField):
		f.setFocus(f.focus - 1)
		return false, nil
	}
	if len(f.Fields) > 0 {
		fl := f.Fields[f.focus]
		fl.Input, cmd = fl.Input.Update(msg)
		fl.Err = ""
	}
	return false, cmd
}

// View renders the form in a frame w cells wide.
func (f *Form) View(st *Styles, w int) string {
	w = max(w, 30)
	inner := w - 4
	var lines []string
	lw := 0
	for _, fl := range f.Fields {
		lw = max(lw, len(fl.Label))
	}
	for i, fl := range f.Fields {
		mark := "  "
		if i == f.focus {
			mark = "▸ "
		}
		fl.Input.SetWidth(max(inner-lw-7, 8))
		lines = append(lines, mark+fit(fl.Label, lw)+"  "+fl.Input.View())
		if fl.Err != "" {
			lines = append(lines, st.Err.Render("    ✘ "+fl.Err))
		}
	}
	lines = append(lines, "", st.Help.Render("enter submit · tab next field · esc cancel"))
	var b strings.Builder
	b.WriteString(box(st, f.Title, padLines(lines, inner), w, len(lines)+2, true))
	return b.String()
}

func padLines(lines []string, w int) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = " " + fit(l, w)
	}
	return out
}
