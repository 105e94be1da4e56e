//! The JavaScript classes rejected calls are made of. The npm package's entries register one
//! class per AWS error name (`pkg/errors.mjs`) with `registerErrorClasses`, so that a rejected
//! call is an instance of its class (`err instanceof NotFoundException`). Until then, or for a
//! name without a class, the error is a plain `Error` with the same members.

use std::cell::RefCell;

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::prelude::*;

use super::js::{object, set};
use crate::KmsError;

thread_local! {
    /// The registered classes, by AWS error name.
    static CLASSES: RefCell<Option<Object>> = const { RefCell::new(None) };
}

/// `registerErrorClasses(classes)`: makes every later error of the name `N` with `new
/// classes[N](options)`, where `options` is `{ message, $fault, $metadata }`. `null` or
/// `undefined` goes back to plain `Error` objects. Not in the TypeScript declarations: the
/// package's entries call it.
#[wasm_bindgen(js_name = registerErrorClasses, skip_typescript)]
pub fn register_error_classes(classes: JsValue) -> Result<(), JsValue> {
    // Any object: a module namespace object (`import * as errors`) has no prototype.
    let classes = if classes.is_object() {
        Some(classes.unchecked_into::<Object>())
    } else if classes.is_undefined() || classes.is_null() {
        None
    } else {
        return Err(js_sys::TypeError::new(
            "registerErrorClasses takes an object of classes by error name",
        )
        .into());
    };
    CLASSES.with(|c| *c.borrow_mut() = classes);
    Ok(())
}

/// A core error as the `Error` the AWS SDK for JavaScript v3 throws: an instance of the class
/// registered for its name, else a plain `Error`, with the same members either way.
pub(super) fn to_js_error(e: &KmsError) -> JsValue {
    let message = e.message().unwrap_or("");
    let fault = ("$fault", JsValue::from(e.fault().as_str()));
    let metadata = (
        "$metadata",
        object(&[("httpStatusCode", e.http_status().into())]),
    );
    let options = object(&[("message", message.into()), fault.clone(), metadata.clone()]);
    let err = new_error(e.name(), message, &options);
    // Set whatever the class did, so every error has the same members.
    err.set_name(e.name());
    set(&err, &[fault, metadata, ("__type", e.name().into())]);
    err.into()
}

/// A new error of the class registered for `name`, given `options`; a plain `Error` with the
/// message if there is none, or if constructing it throws or gives something else.
fn new_error(name: &str, message: &str, options: &JsValue) -> js_sys::Error {
    // Cloned out first: the constructor runs JavaScript, which may register classes again.
    let classes = CLASSES.with(|c| c.borrow().clone());
    let constructed = classes.and_then(|classes| {
        let class: Function = Reflect::get(&classes, &name.into()).ok()?.dyn_into().ok()?;
        let args: Array = std::iter::once(options.clone()).collect();
        Reflect::construct(&class, &args).ok()?.dyn_into().ok()
    });
    constructed.unwrap_or_else(|| js_sys::Error::new(message))
}
