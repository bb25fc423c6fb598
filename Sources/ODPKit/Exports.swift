// What a user of the library needs with it: the verbs it registers through and the error type every
// layer throws. `import ODPKit` brings both.
@_exported public import ODPKitSystem
@_exported public import Verbs
