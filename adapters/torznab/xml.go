package torznab

import "encoding/xml"

// The documents, as encoding/xml writes them.

const torznabNS = "http://torznab.com/schemas/2015/feed"

type errorDoc struct {
	XMLName     xml.Name `xml:"error"`
	Code        int      `xml:"code,attr"`
	Description string   `xml:"description,attr"`
}

type capsDoc struct {
	XMLName      xml.Name      `xml:"caps"`
	Server       capsServer    `xml:"server"`
	Limits       capsLimits    `xml:"limits"`
	Registration capsAvailable `xml:"registration"`
	Searching    capsSearching `xml:"searching"`
	Categories   capsCats      `xml:"categories"`
}

type capsServer struct {
	Version   string `xml:"version,attr"`
	Title     string `xml:"title,attr"`
	Strapline string `xml:"strapline,attr"`
	URL       string `xml:"url,attr"`
}

type capsLimits struct {
	Default int `xml:"default,attr"`
	Max     int `xml:"max,attr"`
}

type capsAvailable struct {
	Available string `xml:"available,attr"`
	Open      string `xml:"open,attr"`
}

type capsSearch struct {
	Available       string `xml:"available,attr"`
	SupportedParams string `xml:"supportedParams,attr"`
}

type capsSearching struct {
	Search      capsSearch `xml:"search"`
	TVSearch    capsSearch `xml:"tv-search"`
	MovieSearch capsSearch `xml:"movie-search"`
	MusicSearch capsSearch `xml:"music-search"`
	AudioSearch capsSearch `xml:"audio-search"`
	BookSearch  capsSearch `xml:"book-search"`
}

type capsCats struct {
	Categories []capsCategory `xml:"category"`
}

type capsCategory struct {
	ID      int          `xml:"id,attr"`
	Name    string       `xml:"name,attr"`
	Subcats []capsSubcat `xml:"subcat"`
}

type capsSubcat struct {
	ID   int    `xml:"id,attr"`
	Name string `xml:"name,attr"`
}
