/**
 * graphql-js writes the offending value into its input error messages ("Variable "$input" got invalid value
 * { bitLockerKey: … }", "String cannot represent a non string value: …", "Expected value of type …, found …").
 * Mutation input carries BitLocker keys, SAS tokens and manifests, so those messages could echo a secret back
 * to the client and into logs. This rewrites them to keep what helps (variable, input path, expected type)
 * and drop the value. No maintained package does this for graphql-js messages, hence the hand-written rules.
 */

const VARIABLE_ERROR = /^Variable "\$(\w+)" got invalid value /;
const PATH_AT_END = / at "([\w.[\]]+)"$/;

/** The reason without any value in it: "String cannot represent a non string value: 7" → "... value.". */
function reasonWithoutValue(reason: string): string {
  return (
    reason
      .replace(/^(.*?cannot represent[^:]*?value):[\s\S]*$/, '$1.')
      .replace(/^(Expected value of type "[^"]+"), found [\s\S]*$/, '$1.')
      // The suggestions that may follow name the enum's own values, never the input.
      .replace(/^Value "[\s\S]*?" does not exist in ("[^"]+" enum\.)/, 'Value does not exist in $1')
  );
}

export function withoutInputValues(message: string, original?: unknown): string {
  const variable = VARIABLE_ERROR.exec(message);
  if (variable) {
    const reason = original instanceof Error ? original.message : '';
    // The message is `${prefix}; ${reason}`, and the prefix ends with the (value-free) input path.
    const prefix = reason && message.endsWith(`; ${reason}`) ? message.slice(0, -(reason.length + 2)) : '';
    const path = PATH_AT_END.exec(prefix)?.[1];
    const where = path ? ` at "${path}"` : '';
    return `Variable "$${variable[1]}" got an invalid value${where}${reason ? `; ${reasonWithoutValue(reason)}` : '.'}`;
  }
  return reasonWithoutValue(message);
}
