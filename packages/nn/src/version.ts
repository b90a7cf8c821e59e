/** The version of @gradlab/nn, written into checkpoint metadata. Kept equal to package.json by a test. */
export const VERSION = '0.1.0';
