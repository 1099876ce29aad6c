/** A select of a GET filter form: "any" first (an empty value, left out of the filter), then the choices. */
export function FilterSelect(props: {
  name: string;
  label: string;
  value: string | number | undefined;
  any: string;
  options: { value: string | number; label: string }[];
}) {
  const id = `filter-${props.name}`;
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <select id={id} name={props.name} defaultValue={props.value ?? ""}>
        <option value="">{props.any}</option>
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}
