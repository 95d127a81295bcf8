/**
 * Loads an optional peer dependency (`libsql`, `pg`) when a store opens,
 * so an app that uses neither never needs them installed.
 */
import { ConfigurationError } from '../errors.js'

/**
 * Imports a package by name, CommonJS or ESM, and returns its main export.
 * @throws {ConfigurationError} when the package is not installed, saying how to install it
 */
export async function loadPeer<T> (name: string, feature: string): Promise<T> {
  let loaded: { default?: T }
  try {
    loaded = await import(name) as { default?: T }
  } catch (error) {
    // Only the package itself missing; a missing part of it (a native binary) is its own error. Loaders may drop the code.
    if (!/Cannot find (module|package)/.test(String((error as Error).message)) || !String((error as Error).message).includes(`'${name}'`)) throw error
    throw new ConfigurationError(`${feature} needs the "${name}" package, which is not installed: run npm install ${name}`)
  }
  // A CommonJS package imported from ESM is its `default`; required from CommonJS, itself.
  return loaded.default ?? loaded as T
}
