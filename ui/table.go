package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
)

// tablePanel is what the list panels share: a list, focus and size.
type tablePanel struct {
	env     *env
	list    list
	focused bool
}

func (p *tablePanel) SetSize(w, h int) { p.list.setSize(w, h) }
func (p *tablePanel) Focus()           { p.focused, p.list.focused = true, true }
func (p *tablePanel) Blur()            { p.focused, p.list.focused = false, false }
func (p *tablePanel) Capturing() bool  { return p.list.typing }
func (p *tablePanel) View() string     { return strings.Join(p.list.view(), "\n") }

// updateList gives msg to the list; handled reports that it took it.
func (p *tablePanel) updateList(msg tea.Msg) (tea.Cmd, bool) { return p.list.update(msg) }

// titled appends the list's position to a title: "Sockets · a · 3/120".
func (p *tablePanel) titled(t string) string {
	if pos := p.list.position(); pos != "" {
		return t + " · " + pos
	}
	return t
}
