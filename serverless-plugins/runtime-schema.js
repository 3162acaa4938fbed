'use strict';

/**
 * Adds Lambda runtimes that serverless 3.40's configuration schema does not list yet, so that
 * `configValidationMode: error` still accepts `runtime: nodejs22.x`. The framework passes the runtime
 * to CloudFormation unchanged; only its schema is out of date.
 */
const ADDED_RUNTIMES = ['nodejs22.x'];

class RuntimeSchemaPlugin {
  constructor(serverless) {
    const runtimes = serverless.configSchemaHandler.schema.definitions.awsLambdaRuntime?.enum;
    if (!Array.isArray(runtimes)) {
      throw new Error('serverless-plugins/runtime-schema.js: this serverless version has no awsLambdaRuntime schema to extend.');
    }
    for (const runtime of ADDED_RUNTIMES) {
      if (!runtimes.includes(runtime)) runtimes.push(runtime);
    }
  }
}

module.exports = RuntimeSchemaPlugin;
