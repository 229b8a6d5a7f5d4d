package emulator

// The describe resources: GET /sobjects (describeGlobal) and GET /sobjects/{name}/describe.

// urls are the resource links describe lists for an object.
func (o *sobject) urls(version string) map[string]any {
	base := "/services/data/v" + version + "/sobjects/" + o.name
	return map[string]any{
		"sobject": base, "describe": base + "/describe", "rowTemplate": base + "/{ID}",
	}
}

// summary is an object's entry in describeGlobal.
func (o *sobject) summary(version string) map[string]any {
	return map[string]any{
		"name": o.name, "label": o.label, "labelPlural": o.label + "s", "keyPrefix": o.prefix,
		"custom": o.custom, "queryable": o.queryable, "replicateable": o.replicateable,
		"createable": o.createable, "updateable": o.updateable, "deletable": o.deletable,
		"retrieveable": o.queryable, "searchable": o.queryable, "layoutable": o.queryable,
		"urls": o.urls(version),
	}
}

// describeGlobal answers GET /sobjects.
func describeGlobal(version string) map[string]any {
	objs := make([]any, len(catalogue))
	for i, o := range catalogue {
		objs[i] = o.summary(version)
	}
	return map[string]any{"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": objs}
}

// describe answers GET /sobjects/{name}/describe.
func (o *sobject) describe(version string) map[string]any {
	d := o.summary(version)
	fields := make([]any, len(o.fields))
	for i, f := range o.fields {
		fields[i] = f.describe()
	}
	d["fields"] = fields
	return d
}

// soapTypes maps describe types to the SOAP type describe also reports.
var soapTypes = map[string]string{
	"id": "tns:ID", "reference": "tns:ID", "boolean": "xsd:boolean", "currency": "xsd:double",
	"double": "xsd:double", "percent": "xsd:double", "int": "xsd:int", "date": "xsd:date",
	"datetime": "xsd:dateTime", "address": "urn:address", "location": "urn:location",
}

func (f *field) describe() map[string]any {
	soap := soapTypes[f.typ]
	if soap == "" {
		soap = "xsd:string"
	}
	filterable := f.typ != "textarea" || f.length <= 255
	if f.typ == "address" || f.typ == "location" {
		filterable = false
	}
	d := map[string]any{
		"name": f.name, "label": f.name, "type": f.typ, "soapType": soap, "length": f.length,
		"createable": f.createable, "updateable": f.updateable, "nillable": !f.required && f.typ != "boolean" && f.typ != "id",
		"defaultedOnCreate": f.typ == "boolean" || f.name == "OwnerId" || f.name == "Id",
		"filterable":        filterable, "sortable": filterable, "groupable": filterable && f.typ != "double",
		"externalId": f.externalID, "unique": f.externalID, "idLookup": f.externalID || f.typ == "id",
		"custom": len(f.name) > 3 && f.name[len(f.name)-3:] == "__c", "calculated": false,
		"compoundFieldName": nil, "referenceTo": []string{}, "relationshipName": nil,
		"precision": 0, "scale": 0, "digits": 0,
	}
	if f.compound != "" {
		d["compoundFieldName"] = f.compound
	}
	if f.referenceTo != nil {
		d["referenceTo"] = f.referenceTo
	}
	switch f.typ {
	case "currency", "percent":
		d["precision"], d["scale"] = 18, 2
	case "double":
		d["precision"], d["scale"] = 18, 15
	case "int":
		d["digits"] = 9
	}
	return d
}
